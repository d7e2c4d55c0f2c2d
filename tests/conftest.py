"""Shared fixtures: an isolated cache, a CLI runner, and real tracebacks made by real Flask."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ctxfix.knowledge import load

ROOT = Path(__file__).resolve().parent.parent
# Programs run under old Flask releases by scripts/capture_corpus.py --signals, and programs
# test_patch.py runs (one holds a test suite of its own): not tests of ours.
collect_ignore = ["signals/programs", "patch_programs"]


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own knowledge cache, no user knowledge, colour or pager settings,
    and no pager (the tests of paging turn it on)."""
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("CTXFIX_PAGER", "")
    for name in ("CTXFIX_KNOWLEDGE_PATH", "NO_COLOR", "FORCE_COLOR", "PAGER", "CTXFIX_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


THREAD_MODULE = (
    "import threading\n"
    "from flask import current_app\n\n"
    "def job():\n"
    "    return current_app.name\n\n"
    "threading.Thread(target=job).start()\n"
)
"""A module `ctxfix scan` reports: CTX101 at line 7 (a thread target using current_app)."""


@pytest.fixture
def thread_module() -> str:
    return THREAD_MODULE


@pytest.fixture(scope="session")
def kb():
    return load(use_cache=False)


_SNIPPETS = {
    # Each runs under the installed Flask and prints a real traceback on stderr.
    "thread": """
        import threading
        from flask import Flask, current_app
        app = Flask("shop")

        def send_receipt():
            print(current_app.config["DEBUG"])

        with app.app_context():
            t = threading.Thread(target=send_receipt)
            t.start()
            t.join()
    """,
    "script": """
        from flask import Flask, current_app
        app = Flask("shop")

        def count_orders():
            return current_app.config.get("ORDERS", 0)

        count_orders()
    """,
    "request": """
        from flask import Flask, request
        app = Flask("shop")

        def client_ip():
            return request.remote_addr

        with app.app_context():
            client_ip()
    """,
    "url_for": """
        from flask import Flask, url_for
        app = Flask("shop")

        @app.route("/")
        def index():
            return "hi"

        with app.app_context():
            url_for("index", _external=True)
    """,
    "unrelated": """
        def parse(value):
            return int(value)

        parse("twelve")
    """,
}


def run_snippet(code: str, cwd: Path) -> str:
    """Run ``code`` as a script in ``cwd`` with this interpreter and return what it printed."""
    script = cwd / "program.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    return proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def real_tracebacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What small programs print under the installed Flask, keyed by scenario."""
    out = {}
    for name, code in _SNIPPETS.items():
        out[name] = run_snippet(code, tmp_path_factory.mktemp(name))
    return out
