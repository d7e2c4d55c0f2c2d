"""The edits for async-task, context-pop-mismatch, socketio-emit, non-flask-host and
tool-introspection, and Quart's: what each makes of code of other shapes than the bundled
examples, and the cases where it cannot know the right edit and says so instead of guessing.

The bundled examples' patches are proven by verify (tests/test_verify.py) and the programs of
tests/patch_programs by tests/test_patch.py. The tracebacks here are written by hand, shaped like
Python's, and point at files written here; the finding is given its cause, as explain would name
it from a whole traceback, so each test is about the edit alone.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from ctxfix._record import replace
from ctxfix.engine import explain_lines
from ctxfix.patch import PatchSet, build

SITE = "/venv/lib/python3.12/site-packages"
LIB = "/usr/lib/python3.12"
APP_ERROR = "RuntimeError: Working outside of application context."
REQUEST_ERROR = "RuntimeError: Working outside of request context."
QUART_ERROR = "RuntimeError: Not within an app context"
LOOKUP = [(f"{SITE}/werkzeug/local.py", 318, "__get__", "obj = instance._get_current_object()")]


def _traceback(frames: list[tuple[str, int, str, str]], error: str) -> str:
    lines = ["Traceback (most recent call last):"]
    for path, line, function, code in frames:
        lines += [f'  File "{path}", line {line}, in {function}', f"    {code}"]
    return "\n".join([*lines, error, ""])


def _patch(
    kb,
    project: Path,
    files: dict[str, str],
    frames: list[tuple[str, int, str, str]],
    error: str,
    cause: str,
    variant: Optional[str] = None,
) -> PatchSet:
    """Write ``files``, read the traceback (paths relative to ``project``), and build the patch
    of ``cause`` for it. Each frame's code is the file's line, as Python prints it."""
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    full = []
    for path, line, function, code in frames:
        if not path.startswith("/"):
            code = (project / path).read_text(encoding="utf-8").splitlines()[line - 1].strip()
            path = str(project / path)
        full.append((path, line, function, code))
    (finding,) = explain_lines(kb, _traceback(full, error).splitlines()).findings
    finding = replace(finding, cause=kb.causes[cause], variant=variant)
    return build([finding], project)


def _patched(project: Path, result: PatchSet, name: str) -> str:
    """The file ``name`` once ``patch -p0`` applied the diff (it must still parse)."""
    assert result.diff, result.notes
    subprocess.run(
        ["patch", "-p0", "--batch", "--quiet"],
        input=result.diff,
        text=True,
        cwd=project,
        check=True,
    )
    text = (project / name).read_text(encoding="utf-8")
    ast.parse(text)
    return text


needs_patch = pytest.mark.skipif(shutil.which("patch") is None, reason="needs GNU patch")


def _one_note(result: PatchSet) -> str:
    assert not result.diff, result.diff
    assert result.patched == 0
    (note,) = result.notes
    return note


# ---------------------------------------------------------------------------------------------
# async-task

VIEWS = """\
import asyncio

from flask import Flask, current_app

app = Flask(__name__)


def build_report(month):
    return current_app.config["VAT"] * month


@app.get("/report/<int:month>")
async def report(month):
    loop = asyncio.get_event_loop()
    first = await loop.run_in_executor(None, build_report, month)
    second = await loop.run_in_executor(None, build_report, month + 1)
    return {"total": first + second}
"""


def _executor_frames(lib: str = LIB) -> list[tuple[str, int, str, str]]:
    return [
        ("views.py", 15, "report", ""),
        (f"{lib}/concurrent/futures/thread.py", 58, "run", "result = self.fn(*self.args)"),
        ("views.py", 9, "build_report", ""),
        *LOOKUP,
    ]


@needs_patch
def test_async_task_keeps_a_loop_still_in_use(kb, tmp_path):
    result = _patch(kb, tmp_path, {"views.py": VIEWS}, _executor_frames(), APP_ERROR, "async-task")
    text = _patched(tmp_path, result, "views.py")
    assert "first = await asyncio.to_thread(build_report, month)\n" in text
    # the second call still uses the loop, so it stays (and the next run patches that call)
    assert "loop = asyncio.get_event_loop()\n" in text


@needs_patch
def test_async_task_before_python_3_9_copies_the_context_by_hand(kb, tmp_path):
    frames = _executor_frames(lib="/usr/lib/python3.8")
    result = _patch(kb, tmp_path, {"views.py": VIEWS}, frames, APP_ERROR, "async-task")
    text = _patched(tmp_path, result, "views.py")
    assert "import contextvars\n" in text
    assert (
        "await loop.run_in_executor(None, contextvars.copy_context().run, build_report, month)"
        in text
    )


def test_async_task_started_outside_a_handler_gets_no_guess(kb, tmp_path):
    files = {
        "worker.py": (
            "from flask import current_app\n\n\n"
            "async def warm_cache():\n"
            '    return current_app.config["CACHE"]\n'
        )
    }
    frames = [
        (f"{LIB}/asyncio/events.py", 84, "_run", "self._context.run(self._callback, *self._args)"),
        ("worker.py", 5, "warm_cache", ""),
        *LOOKUP,
    ]
    note = _one_note(_patch(kb, tmp_path, files, frames, APP_ERROR, "async-task"))
    assert "no run_in_executor call among your frames" in note


def test_async_task_on_a_process_pool_gets_no_guess(kb, tmp_path):
    frames = [
        ("views.py", 15, "report", ""),
        (f"{LIB}/concurrent/futures/process.py", 246, "_process_worker", "r = call_item.fn()"),
        ("views.py", 9, "build_report", ""),
        *LOOKUP,
    ]
    note = _one_note(_patch(kb, tmp_path, {"views.py": VIEWS}, frames, APP_ERROR, "async-task"))
    assert "a process pool cannot carry the app's context" in note


# ---------------------------------------------------------------------------------------------
# Quart: async with in a coroutine; from synchronous code, a coroutine run by asyncio.run

QUART_APP = """\
from quart import Quart, current_app


def create_app():
    app = Quart(__name__)
    app.config["RATE"] = 2
    return app


def rate():
    return current_app.config["RATE"]
"""


def _quart_job(
    kb,
    project: Path,
    body: str,
    line: int,
    function: str,
    outer: tuple[tuple[str, int, str, str], ...] = (),
    cause: str = "standalone-script",
    name: str = "job.py",
) -> PatchSet:
    """Build the Quart patch of ``cause`` for ``name``: ``from shop import create_app, rate``, two
    blank lines, then ``body`` (its first line is line 4), beside QUART_APP as shop.py. Its
    ``function`` calls rate() at ``line``, called in turn from the ``outer`` frames."""
    files = {"shop.py": QUART_APP, name: "from shop import create_app, rate\n\n\n" + body}
    frames = [*outer, (name, line, function, ""), ("shop.py", 11, "rate", ""), *LOOKUP]
    return _patch(kb, project, files, frames, QUART_ERROR, cause, "quart")


def _run_job(project: Path) -> str:
    """What job.py prints when run in ``project`` (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, "job.py"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_patch
def test_quart_async_test_gets_async_with(kb, tmp_path):
    test = "async def test_rate():\n    app = create_app()\n    assert rate() == 2\n"
    result = _quart_job(
        kb, tmp_path, test, 6, "test_rate", cause="pytest-test", name="test_shop.py"
    )
    text = _patched(tmp_path, result, "test_shop.py")
    assert "    async with app.app_context():\n        assert rate() == 2\n" in text
    assert "asyncio" not in text


@needs_patch
def test_quart_sync_code_that_ends_its_function_returns_the_coroutines_result(kb, tmp_path):
    script = (
        "def doubled():\n"
        "    app = create_app()\n"
        "    value = rate()\n"
        "    return value * 2\n\n\n"
        "print(doubled())\n"
    )
    result = _quart_job(kb, tmp_path, script, 6, "doubled", outer=(("job.py", 10, "<module>", ""),))
    text = _patched(tmp_path, result, "job.py")
    assert "    return asyncio.run(in_app_context())\n" in text
    assert _run_job(tmp_path) == "4"


@needs_patch
def test_quart_sync_code_shares_names_the_function_binds_before(kb, tmp_path):
    script = (
        "def totals(prices):\n"
        "    app = create_app()\n"
        "    total = 0\n"
        "    for price in prices:\n"
        "        total += price * rate()\n"
        "    print(total)\n"
    )
    result = _quart_job(kb, tmp_path, script, 8, "totals")
    text = _patched(tmp_path, result, "job.py")
    assert "nonlocal total" in text


@needs_patch
def test_quart_sync_code_in_a_loop_runs_one_coroutine_for_the_rest_of_its_function(kb, tmp_path):
    script = (
        "def last_price(prices):\n"
        "    app = create_app()\n"
        "    for price in prices:\n"
        "        if price:\n"
        "            return price * rate()\n"
        "    return 0\n\n\n"
        "print(last_price([0, 3]))\n"
    )
    outer = (("job.py", 12, "<module>", ""),)
    result = _quart_job(kb, tmp_path, script, 8, "last_price", outer=outer)
    text = _patched(tmp_path, result, "job.py")
    assert "        async with app.app_context():\n            for price in prices:\n" in text
    assert "    return asyncio.run(in_app_context())\n" in text
    assert _run_job(tmp_path) == "6"


def test_quart_sync_code_whose_result_is_read_after_it_gets_no_guess(kb, tmp_path):
    """The coroutine would end before the import, and the code after it reads what it set."""
    script = (
        "def report():\n"
        "    app = create_app()\n"
        "    value = rate()\n"
        "    import json\n\n"
        "    print(json.dumps(value))\n"
    )
    note = _one_note(_quart_job(kb, tmp_path, script, 6, "report"))
    assert "reads value, which that part sets" in note


def test_quart_sync_code_that_returns_before_an_import_gets_no_guess(kb, tmp_path):
    script = (
        "def price(net):\n"
        "    app = create_app()\n"
        "    if net:\n"
        "        return net * rate()\n"
        "    import decimal\n\n"
        "    return decimal.Decimal(0)\n"
    )
    note = _one_note(_quart_job(kb, tmp_path, script, 7, "price"))
    assert "returns from the middle of its function" in note


def test_quart_sync_code_in_a_running_loop_gets_no_guess(kb, tmp_path):
    script = "def helper():\n    app = create_app()\n    return rate()\n"
    outer = (
        (f"{LIB}/asyncio/base_events.py", 653, "run_until_complete", "return future.result()"),
    )
    note = _one_note(_quart_job(kb, tmp_path, script, 6, "helper", outer=outer))
    assert "runs inside an event loop" in note


def test_a_quart_thread_reading_the_request_gets_no_guess(kb, tmp_path):
    files = {
        "shop.py": (
            "import threading\n\nfrom quart import Quart, request\n\n"
            "app = Quart(__name__)\n\n\n"
            "def log_search():\n"
            '    print(request.args["q"])\n\n\n'
            '@app.get("/search")\n'
            "async def search():\n"
            "    threading.Thread(target=log_search).start()\n"
            '    return "ok"\n'
        )
    }
    frames = [("shop.py", 9, "log_search", ""), *LOOKUP]
    error = "RuntimeError: Not within a request context"
    note = _one_note(_patch(kb, tmp_path, files, frames, error, "background-thread", "quart"))
    assert "Quart copies no request into one" in note


# ---------------------------------------------------------------------------------------------
# socketio-emit

SOCKETIO_APP = """\
from flask import Flask
from flask_socketio import SocketIO, send

app = Flask(__name__)
socketio = SocketIO(app)


@app.post("/notices")
def post_notice():
    send("maintenance at 22:00", broadcast=True, include_self=False, namespace="/ops")
    return "", 204
"""


def _emit_frames(line: int, function: str, name: str = "send"):
    return [
        ("app.py", line, function, ""),
        (f"{SITE}/flask_socketio/__init__.py", 1027, name, "namespace = flask.request.namespace"),
    ]


@needs_patch
def test_socketio_send_in_a_route_keeps_its_namespace(kb, tmp_path):
    error = "AttributeError: 'Request' object has no attribute 'namespace'"
    result = _patch(
        kb,
        tmp_path,
        {"app.py": SOCKETIO_APP},
        _emit_frames(10, "post_notice"),
        error,
        "socketio-emit",
    )
    text = _patched(tmp_path, result, "app.py")
    assert '    socketio.send("maintenance at 22:00", namespace="/ops")\n' in text
    assert "from flask_socketio import SocketIO\n" in text


@needs_patch
def test_socketio_made_in_the_factory_is_the_one_a_view_there_uses(kb, tmp_path):
    code = """\
from flask import Flask
from flask_socketio import SocketIO, emit


def create_app():
    app = Flask(__name__)
    socketio = SocketIO(app)

    @app.post("/ping")
    def ping():
        emit("pong", {}, to="lobby")
        return "", 204

    return app
"""
    error = "AttributeError: 'Request' object has no attribute 'namespace'"
    result = _patch(
        kb, tmp_path, {"app.py": code}, _emit_frames(11, "ping", "emit"), error, "socketio-emit"
    )
    text = _patched(tmp_path, result, "app.py")
    assert '        socketio.emit("pong", {}, to="lobby")\n' in text
    assert "from flask_socketio import SocketIO\n" in text


def test_socketio_room_functions_get_no_guess(kb, tmp_path):
    code = SOCKETIO_APP.replace("SocketIO, send", "SocketIO, join_room").replace(
        'send("maintenance at 22:00", broadcast=True, include_self=False, namespace="/ops")',
        'join_room("ops")',
    )
    error = "AttributeError: 'Request' object has no attribute 'sid'"
    frames = _emit_frames(10, "post_notice", "join_room")
    note = _one_note(_patch(kb, tmp_path, {"app.py": code}, frames, error, "socketio-emit"))
    assert "join_room() acts for the client whose event is being handled" in note


def test_socketio_with_two_servers_gets_no_guess(kb, tmp_path):
    code = SOCKETIO_APP.replace(
        "socketio = SocketIO(app)\n", "socketio = SocketIO(app)\nadmin_io = SocketIO()\n"
    )
    error = "AttributeError: 'Request' object has no attribute 'namespace'"
    frames = _emit_frames(11, "post_notice")
    note = _one_note(_patch(kb, tmp_path, {"app.py": code}, frames, error, "socketio-emit"))
    assert "several SocketIO objects (admin_io, socketio)" in note


def test_socketio_task_started_by_an_event_and_at_start_up_gets_no_guess(kb, tmp_path):
    code = """\
from flask import Flask
from flask_socketio import SocketIO, emit

app = Flask(__name__)
socketio = SocketIO(app)


def ticker():
    emit("tick", {})


@socketio.on("subscribe")
def subscribe():
    socketio.start_background_task(ticker)


socketio.start_background_task(ticker)
"""
    frames = [
        ("app.py", 9, "ticker", ""),
        (f"{SITE}/flask_socketio/__init__.py", 922, "emit", "namespace = flask.request.namespace"),
        *LOOKUP,
    ]
    note = _one_note(_patch(kb, tmp_path, {"app.py": code}, frames, REQUEST_ERROR, "socketio-emit"))
    assert "started both by Socket.IO events and elsewhere" in note


# ---------------------------------------------------------------------------------------------
# context-pop-mismatch

POP_ERROR = "AssertionError: Popped wrong app context. (<AppContext 1> instead of <AppContext 2>)"


def _pop_mismatch(
    kb, project: Path, files: dict[str, str], *frames: tuple[str, int, str, str]
) -> PatchSet:
    """Build the context-pop-mismatch patch for Flask's pop assertion, raised under ``frames``."""
    pop = (f"{SITE}/flask/ctx.py", 268, "pop", "raise")
    return _patch(kb, project, files, [*frames, pop], POP_ERROR, "context-pop-mismatch")


def test_a_pop_whose_push_cannot_be_found_gets_no_guess(kb, tmp_path):
    code = "def finish(ctx):\n    ctx.pop()\n"
    frames = [
        ("jobs.py", 2, "finish", ""),
        (f"{SITE}/flask/ctx.py", 268, "pop", "raise AssertionError("),
    ]
    note = _one_note(
        _patch(kb, tmp_path, {"jobs.py": code}, frames, POP_ERROR, "context-pop-mismatch")
    )
    assert "cannot find the push this pop does not match" in note


def test_a_push_that_returned_before_the_failing_pop_gets_no_guess(kb, tmp_path):
    """report() leaks its push, but it has returned: the traceback shows only main()'s with."""
    code = """\
from flask import Flask

app = Flask(__name__)


def report():
    app.app_context().push()
    print("report")


def main():
    with app.app_context():
        report()
"""
    note = _one_note(_pop_mismatch(kb, tmp_path, {"jobs.py": code}, ("jobs.py", 12, "main", "")))
    assert "cannot find the push this pop does not match" in note


@needs_patch
def test_a_test_that_leaks_a_named_push_gets_a_with_block(kb, tmp_path):
    files = {
        "tests/conftest.py": """\
import pytest
from flask import Flask


@pytest.fixture
def app():
    app = Flask(__name__)
    ctx = app.app_context()
    ctx.push()
    yield app
    ctx.pop()
""",
        "tests/test_paging.py": """\
def test_page(app):
    ctx = app.test_request_context("/?page=2")
    ctx.push()
    assert ctx.request.args["page"] == "2"
""",
    }
    result = _pop_mismatch(kb, tmp_path, files, ("tests/conftest.py", 11, "app", ""))
    test = _patched(tmp_path, result, "tests/test_paging.py")
    assert test == (
        "def test_page(app):\n"
        '    ctx = app.test_request_context("/?page=2")\n'
        "    with ctx:\n"
        '        assert ctx.request.args["page"] == "2"\n'
    )
    conftest = (tmp_path / "tests/conftest.py").read_text()
    assert "    with app.app_context():\n        yield app\n" in conftest


@needs_patch
def test_a_push_that_ends_a_test_goes(kb, tmp_path):
    files = {
        "tests/conftest.py": """\
import pytest
from flask import Flask


@pytest.fixture
def app():
    app = Flask(__name__)
    with app.app_context():
        yield app
""",
        "tests/test_setup.py": """\
def test_setup(app):
    assert app.name
    app.app_context().push()
""",
    }
    frames = [
        ("tests/conftest.py", 8, "app", ""),
        (f"{SITE}/flask/ctx.py", 277, "__exit__", "self.pop(exc_value)"),
    ]
    result = _pop_mismatch(kb, tmp_path, files, *frames)
    test = _patched(tmp_path, result, "tests/test_setup.py")
    assert test == "def test_setup(app):\n    assert app.name\n"


# ---------------------------------------------------------------------------------------------
# non-flask-host and tool-introspection


def test_a_middleware_made_in_two_places_gets_no_guess(kb, tmp_path):
    files = {
        "audit.py": (
            "from flask import current_app\n\n\n"
            "class Audit:\n"
            "    def __init__(self, wsgi_app):\n"
            "        self.wsgi_app = wsgi_app\n\n"
            "    def __call__(self, environ, start_response):\n"
            '        print(current_app.name, environ["PATH_INFO"])\n'
            "        return self.wsgi_app(environ, start_response)\n"
        ),
        "web.py": (
            "from flask import Flask\n\nfrom audit import Audit\n\n"
            "app = Flask(__name__)\napp.wsgi_app = Audit(app.wsgi_app)\n"
            'admin = Flask("admin")\nadmin.wsgi_app = Audit(admin.wsgi_app)\n'
        ),
    }
    frames = [
        (f"{SITE}/flask/app.py", 1536, "__call__", "return self.wsgi_app(environ, start_response)"),
        ("audit.py", 9, "__call__", ""),
        *LOOKUP,
    ]
    note = _one_note(_patch(kb, tmp_path, files, frames, APP_ERROR, "non-flask-host"))
    assert "Audit is made in 2 places" in note


def test_mock_patch_of_a_proxy_gets_no_guess(kb, tmp_path):
    files = {
        "test_prices.py": (
            "from unittest import mock\n\nfrom flask import current_app\n\n\n"
            "def test_vat():\n"
            '    with mock.patch.object(current_app, "config", {"VAT": 0}):\n'
            "        pass\n"
        )
    }
    frames = [
        ("test_prices.py", 7, "test_vat", ""),
        (f"{LIB}/unittest/mock.py", 1430, "__enter__", "original, local = self.get_original()"),
        *LOOKUP,
    ]
    note = _one_note(_patch(kb, tmp_path, files, frames, APP_ERROR, "tool-introspection"))
    assert "the tool ran test_vat() itself" in note
