"""The pytest plugin, exercised by running pytest on small real test projects."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TESTS = """
    import pytest
    from flask import Flask, current_app, request

    app = Flask("shop")


    def settings():
        return current_app.config["DEBUG"]


    def test_app_context_missing():
        assert settings() is False


    def test_request_context_missing():
        with app.app_context():
            assert request.args == {}


    def test_unrelated_failure():
        assert 1 == 2


    def test_passes():
        with app.app_context():
            assert settings() is False


    @pytest.fixture
    def app_name():
        return current_app.name


    def test_fixture_fails_at_setup(app_name):
        pass
"""

# Records which heavy modules were imported by the end of the run.
CONFTEST = """
    import json, os, sys

    def pytest_sessionfinish(session):
        heavy = ("ctxfix.engine", "ctxfix.knowledge", "ctxfix.render", "rich", "yaml")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "yaml")
                        or m in heavy)
        with open(os.environ["CTXFIX_MODULES_OUT"], "w") as fh:
            json.dump(loaded, fh)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _pytest(root: Path, *args: str) -> tuple[int, str, list[str]]:
    """Run pytest in ``root`` with only this plugin loaded; return code, output, heavy modules."""
    modules = root / "modules.json"
    env = dict(os.environ)
    env.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        CTXFIX_MODULES_OUT=str(modules),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "ctxfix.pytest_plugin", "-p", "no:cacheprovider"]
        + ["-o", "addopts=", "--rootdir", str(root), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = json.loads(modules.read_text()) if modules.exists() else []
    return proc.returncode, proc.stdout + proc.stderr, loaded


def _sections(output: str) -> dict[str, str]:
    """Split pytest's report into the block of each failing or erroring test."""
    parts = re.split(r"^_{3,} (.+?) _{3,}$", output, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _ctxfix_part(block: str) -> str:
    m = re.search(r"^-+ ctxfix -+$\n(.*?)(?=^[=_-]{3,}|\Z)", block, flags=re.M | re.S)
    return m.group(1) if m else ""


@pytest.fixture(scope="module")
def enabled_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, list[str]]:
    root = _project(tmp_path_factory.mktemp("on"), {"test_app.py": TESTS, "conftest.py": CONFTEST})
    return _pytest(root, "--ctxfix")


def test_an_app_context_failure_gets_the_app_fixture_fix(enabled_run) -> None:
    code, output, _ = enabled_run
    assert code == 1
    part = _ctxfix_part(_sections(output)["test_app_context_missing"])
    assert part.startswith("cause: pytest-test")
    assert "\nwhy:   " in part
    assert "with app.app_context():" in part and "yield app" in part
    lines = part.splitlines()
    assert "@pytest.fixture" in lines, "code is printed flush left, ready to copy"
    assert "    with app.app_context():" in lines
    [alternative] = [line for line in part.splitlines() if line.startswith("or:    ")]
    assert "pytest-flask" in alternative


def test_a_request_context_failure_gets_test_request_context(enabled_run) -> None:
    _, output, _ = enabled_run
    part = _ctxfix_part(_sections(output)["test_request_context_missing"])
    assert part.startswith("cause: pytest-test")
    assert "app.test_request_context(" in part
    assert "yield app" not in part


def test_a_fixture_error_at_setup_is_explained(enabled_run) -> None:
    _, output, _ = enabled_run
    part = _ctxfix_part(_sections(output)["ERROR at setup of test_fixture_fails_at_setup"])
    assert part.startswith("cause: pytest-test")


def test_other_failures_and_passing_tests_are_untouched(enabled_run) -> None:
    _, output, _ = enabled_run
    sections = _sections(output)
    assert "-- ctxfix --" not in sections["test_unrelated_failure"]
    assert "test_passes" not in sections
    assert output.count("-- ctxfix --") == 3
    assert "3 failed, 1 passed, 1 error" in output


def test_when_off_nothing_is_added_and_nothing_heavy_is_imported(
    tmp_path: Path, enabled_run
) -> None:
    root = _project(tmp_path, {"test_app.py": TESTS, "conftest.py": CONFTEST})
    code, output, loaded = _pytest(root)
    assert code == 1
    assert "ctxfix" not in output
    assert loaded == []
    # The same run with the plugin on does load the engine: the check above can fail.
    assert "ctxfix.engine" in enabled_run[2]


def test_the_ini_option_turns_it_on(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nctxfix = true\n",
            "test_one.py": """
                from flask import g

                def test_g():
                    g.user = "ann"
            """,
        },
    )
    code, output, _ = _pytest(root)
    assert code == 1
    assert _ctxfix_part(_sections(output)["test_g"]).startswith("cause: pytest-test")


def test_a_collection_error_is_explained(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {"test_mod.py": "from flask import current_app\n\nNAME = current_app.name\n"},
    )
    code, output, _ = _pytest(root, "--ctxfix")
    assert code == 2
    part = _ctxfix_part(_sections(output)["ERROR collecting test_mod.py"])
    assert part.startswith("cause: ")
    assert "with app.app_context():" in part


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^\[project\.entry-points\.pytest11\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    assert block and 'ctxfix = "ctxfix.pytest_plugin"' in block.group(1)
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("ctxfix")
    except PackageNotFoundError:
        pytest.skip("ctxfix is not installed, so its entry points are not registered")
    eps = [ep for ep in dist.entry_points if ep.group == "pytest11"]
    assert [(ep.name, ep.value) for ep in eps] == [("ctxfix", "ctxfix.pytest_plugin")]


def test_the_plugin_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, ctxfix.pytest_plugin\n"
        "heavy = [m for m in sys.modules if m.startswith(('ctxfix.engine', 'ctxfix.knowledge',"
        " 'rich', 'yaml', 'click'))]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "[]", proc.stderr
