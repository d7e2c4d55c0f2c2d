"""pytest plugin: explain Flask context errors right inside pytest's failure report.

Turn it on with ``pytest --ctxfix`` or ``ctxfix = true`` in the ``[pytest]`` ini section. When a
test, a fixture or a test module's import fails with a Flask context error, the report gets a
``ctxfix`` section: the cause, the reason in a line, and the fix as a pytest user writes it.

When it is off, the plugin only declares its option: this module imports nothing from ctxfix,
and the engine, the knowledge, rich and PyYAML stay unloaded.
"""

from __future__ import annotations

import re
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
        from ctxfix.engine import explain_text

        text = "".join(traceback.format_exception(excinfo.type, excinfo.value, excinfo.tb))
        root = str(self.config.rootpath)
        findings = explain_text(text, kb, project_root=root)
        if not findings:
            return None
        test_name = None
        if item is not None:
            test_name = getattr(item, "originalname", None) or item.name.split("[")[0]
        return describe(findings[-1], kb, test_name, collecting=item is None)


def describe(
    finding: Any, kb: Any, test_name: Optional[str] = None, collecting: bool = False
) -> str:
    """The ctxfix section for one finding: cause, the why in a line, and the pytest-form fix."""
    from ctxfix.engine import fill

    lines: list[str] = []
    cause = finding.cause
    if cause is not None:
        variant = f" ({finding.variant})" if finding.variant else ""
        lines.append(f"cause: {cause.id}{variant}: {cause.title}")
    else:
        maybe = ", ".join(finding.candidates) or "not settled"
        lines.append(f"cause: not settled by the traceback (maybe: {maybe})")
    page = cause if cause is not None else kb.families.get(finding.family)
    if page is not None:
        why = " ".join(page.why.split())
        lines.append("why:   " + why.split(". ")[0].rstrip(".") + ".")
    values = dict(finding.placeholders())
    if test_name:
        values["function"] = test_name
    if "test" in values.get("module", ""):
        del values["module"]
    fixes, alternative = _pytest_fixes(finding, kb, collecting)
    for title, code in fixes:
        lines.append(f"fix:   {title}")
        lines.extend(f"       {line}".rstrip() for line in fill(code, values).rstrip().splitlines())
    if alternative and not collecting:
        # pytest-flask pushes its context per test; it cannot help code run while collecting.
        alternative = re.sub(r"^or\s+", "", alternative, flags=re.I)
        lines.append(f"or:    {alternative[0].lower()}{alternative[1:]}")
    if cause is not None and cause.id != "pytest-test":
        lines.append(f"also:  how this cause is fixed in the app: ctxfix show {cause.id}")
    else:
        lines.append("more:  ctxfix show pytest-test")
    return "\n".join(lines) + "\n"


def _pytest_fixes(
    finding: Any, kb: Any, collecting: bool
) -> tuple[list[tuple[str, str]], Optional[str]]:
    """The pytest-test snippet that fits the error (a request context when request was missing,
    module-level advice while collecting, an app fixture otherwise) and the title of the
    pytest-flask alternative."""
    page = kb.causes.get("pytest-test")
    if page is None:
        own = finding.cause.fixes_for(finding.variant) if finding.cause is not None else []
        return [(s.title, s.code) for s in own[:1]], None
    snippets = page.fix
    request = [s for s in snippets if "test_request_context" in s.code]
    plugin = [s for s in snippets if "pytest-flask" in s.title.lower()]
    fixture = [s for s in snippets if s not in request and s not in plugin]
    early = [s for s in fixture if "module" in s.title.lower()]
    if finding.family in ("request-context", "url-adapter"):
        chosen = request[:1]
    elif collecting:
        chosen = early[:1] or fixture[:1]
    else:
        chosen = fixture[:1]
    chosen = chosen or snippets[:1]
    return [(s.title, s.code) for s in chosen], (plugin[0].title if plugin else None)
