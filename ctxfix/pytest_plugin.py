"""pytest plugin: explain Flask context errors right inside pytest's failure report.

Turn it on with ``pytest --ctxfix`` or ``ctxfix = true`` in the ``[pytest]`` ini section. When a
test, a fixture or a test module's import fails with a Flask context error, the report gets a
``ctxfix`` section: the cause, the reason in a line, and the fix as a pytest user writes it.

When it is off, the plugin only declares its option: this module imports nothing from ctxfix,
and the engine, the knowledge, rich and PyYAML stay unloaded.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ctxfix", "ctxfix: explain Flask context errors")
    group.addoption(
        "--ctxfix",
        action="store_true",
        default=False,
        help="Add a ctxfix section (cause and fix) to failures caused by a Flask context error.",
    )
    parser.addini(
        "ctxfix",
        type="bool",
        default=False,
        help="Turn the ctxfix report section on, as --ctxfix does.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("ctxfix", False) or config.getini("ctxfix"):
        config.pluginmanager.register(_Reporter(config), "ctxfix-reporter")


class _Reporter:
    """Registered only when the plugin is on, so its hooks cost nothing otherwise."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._kb: Any = None
        self._kb_error: Optional[str] = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.failed and call.excinfo is not None:
            self._annotate(report, call.excinfo, item)

    def pytest_exception_interact(self, node: Any, call: pytest.CallInfo, report: Any) -> None:
        # Test phases are handled in makereport; this catches errors while collecting a module.
        if isinstance(node, pytest.Collector) and call.excinfo is not None:
            self._annotate(report, call.excinfo, None)

    def _annotate(self, report: Any, excinfo: Any, item: Optional[pytest.Item]) -> None:
        if any(name == "ctxfix" for name, _ in report.sections):
            return
        # The families' wordings and signs live in the knowledge: the engine decides, once the
        # first failure comes (a test run with no failure loads nothing).
        try:
            section = self._section(excinfo, item)
        except Exception as exc:  # noqa: BLE001 - a broken diagnosis must not break the run
            section = f"ctxfix could not diagnose this failure: {type(exc).__name__}: {exc}"
        if section:
            report.sections.append(("ctxfix", section))

    def _knowledge(self) -> Any:
        if self._kb is None and self._kb_error is None:
            from ctxfix.knowledge import KnowledgeError, load

            try:
                self._kb = load()
            except KnowledgeError as exc:
                self._kb_error = f"the knowledge is broken ({len(exc.problems)} problems)"
        return self._kb

    def _section(self, excinfo: Any, item: Optional[pytest.Item]) -> Optional[str]:
        import traceback

        kb = self._knowledge()
        if kb is None:
            return f"ctxfix could not diagnose this failure: {self._kb_error}"
        from ctxfix.service import explain_text

        text = "".join(traceback.format_exception(excinfo.type, excinfo.value, excinfo.tb))
        root = str(self.config.rootpath)
        findings = explain_text(text, kb, project_root=root).findings
        if not findings:
            return None
        test_name = None
        if item is not None:
            test_name = getattr(item, "originalname", None) or item.name.split("[")[0]
        from ctxfix.render.brief import pytest_section

        return pytest_section(findings[-1], kb, test_name, collecting=item is None)
