"""Scan rules: one file each, found by name; each rule's bug is flagged and its twin is clean, the
docs show both, and where running them is cheap, the bug fails and the twin works under Flask."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ctxfix.scan import RULES, scan_source
from ctxfix.scan import rules as rules_package
from ctxfix.scan.rules import RULE_MODULES

DOCS = Path(__file__).parent.parent / "docs" / "scan.md"
RULES_DIR = Path(rules_package.__file__).parent


def test_every_rule_file_is_registered_under_its_code() -> None:
    files = sorted(p.stem for p in RULES_DIR.glob("ctx1*.py"))
    assert files, "no rule files found"
    assert [m.__name__.rsplit(".", 1)[-1] for m in RULE_MODULES.values()] == files
    for code, module in RULE_MODULES.items():
        assert module.__name__.rsplit(".", 1)[-1].startswith(f"ctx{code[3:]}_")
        assert RULES[code] is module.RULE
        assert module.RULE.bug and module.RULE.twin, f"{code} needs a bug and a twin"


def test_a_new_rule_is_one_new_file(tmp_path: Path) -> None:
    (tmp_path / "ctx199_demo.py").write_text(
        textwrap.dedent(
            """
            from ctxfix.scan.findings import Rule

            RULE = Rule("CTX199", "demo", "import-time", "A demo rule.", None, "x = 1\\n", "")


            def check(project):
                for e in project.entries():
                    if e.kind == "module":
                        yield project.finding(RULE.code, e.module, 1, 0, "demo")
            """
        ),
        encoding="utf-8",
    )
    rules_package.__path__.append(str(tmp_path))
    try:
        found = rules_package._load()
    finally:
        rules_package.__path__.remove(str(tmp_path))
        sys.modules.pop("ctxfix.scan.rules.ctx199_demo", None)
    assert "CTX199" in found and list(found) == sorted(found)
    assert set(found) - {"CTX199"} == set(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_rule_flags_its_bug_and_not_its_twin(code: str) -> None:
    rule = RULES[code]
    bug = scan_source(rule.bug, "bug.py")
    assert code in {f.rule for f in bug}, f"{code}'s bug is not flagged: {bug}"
    assert scan_source(rule.twin, "twin.py") == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_docs_show_the_rule_with_its_bug_and_twin(code: str) -> None:
    rule = RULES[code]
    text = DOCS.read_text(encoding="utf-8")
    section = re.search(rf"^## {code} {rule.name}\n.*?(?=^## |\Z)", text, re.M | re.S)
    assert section, f"{code} {rule.name} is missing from docs/scan.md"
    body = section.group(0)
    assert f"`{rule.cause}`" in body
    assert f"```python\n{rule.bug}```" in body, f"{code}: the docs do not show its bug"
    assert f"```python\n{rule.twin}```" in body, f"{code}: the docs do not show its twin"


# Code that exercises a rule's bug and twin under real Flask: the bug must fail with Flask's
# own context error, the twin must print "ok". Rules whose examples need a broker, a database
# or a worker are proved by `ctxfix verify` on the knowledge examples instead.
_JOIN_THREADS = """
import threading
errors = []
threading.excepthook = lambda args: errors.append(args.exc_value)
{call}
for t in threading.enumerate():
    if t is not threading.current_thread():
        t.join(10)
if errors:
    raise errors[0]
print("ok")
"""
DRIVERS = {
    "CTX103": _JOIN_THREADS.format(call='app.test_client().get("/search?q=flask")'),
    "CTX104": 'print("ok")\n',
    "CTX109": 'print(app.test_client().get("/export?key=a").data)\nprint("ok")\n',
    "CTX115": (
        "app.testing = True  # the view's error reaches the caller\n"
        'print(app.test_client().get("/price/100").get_json())\nprint("ok")\n'
    ),
    "CTX116": (
        "app.testing = True  # the view's error reaches the caller\n"
        'print(app.test_client().post("/orders", json={"item": "teapot"}).status_code)\n'
        'print("ok")\n'
    ),
    "CTX114": (
        'result = app.test_cli_runner().invoke(args=["send-reminders"])\n'
        "if result.exception:\n    raise result.exception\n"
        'print("ok")\n'
    ),
}
FLASK_ERRORS = (
    "Working outside of application context",
    "Working outside of request context",
    "Unable to build URLs outside an active request without 'SERVER_NAME'",
    # Flask-SocketIO's emit() in an HTTP route (flask_socketio/__init__.py emit)
    "'Request' object has no attribute 'namespace'",
)


def _run(source: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("code", sorted(DRIVERS))
def test_the_bug_fails_and_the_twin_runs_under_flask(code: str) -> None:
    pytest.importorskip("flask")
    rule = RULES[code]
    bug = _run(rule.bug + DRIVERS[code])
    assert bug.returncode != 0 and any(e in bug.stderr for e in FLASK_ERRORS), bug.stderr
    twin = _run(rule.twin + DRIVERS[code])
    assert twin.returncode == 0, twin.stderr
    assert twin.stdout.strip().endswith("ok")


# Quart variants, run under Quart: the bug fails with Quart's own context error and is flagged
# with the rule's code; the twin runs and is clean.
_QUART_PRICE = """\
import asyncio

from quart import Quart, current_app
from quart.utils import run_sync

app = Quart(__name__)
app.config["VAT"] = 0.2


def price_with_vat(net):
    return round(net * (1 + current_app.config["VAT"]), 2)


@app.route("/price/<int:net>")
async def price(net):
    {line}
    return {{"gross": gross}}


async def fetch():
    app.testing = True  # the handler's error reaches the caller
    response = await app.test_client().get("/price/100")
    print(await response.get_json())


asyncio.run(fetch())
print("ok")
"""
_QUART_SCRIPT = """\
import asyncio

from quart import Quart, current_app

app = Quart(__name__)


async def main():
    {line}


asyncio.run(main())
print("ok")
"""
QUART_PAIRS = {
    "CTX115": (
        _QUART_PRICE.format(
            line="loop = asyncio.get_running_loop()\n"
            "    gross = await loop.run_in_executor(None, price_with_vat, net)"
        ),
        _QUART_PRICE.format(line="gross = await run_sync(price_with_vat)(net)"),
    ),
    "CTX110": (
        _QUART_SCRIPT.format(line="print(current_app.name)"),
        _QUART_SCRIPT.format(line="async with app.app_context():\n        print(current_app.name)"),
    ),
}


@pytest.mark.parametrize("code", sorted(QUART_PAIRS))
def test_the_quart_bug_fails_and_is_flagged_and_the_twin_runs_clean(code: str) -> None:
    pytest.importorskip("quart")
    bug, twin = QUART_PAIRS[code]
    assert code in {f.rule for f in scan_source(bug, "bug.py")}
    assert scan_source(twin, "twin.py") == []
    failed = _run(bug)
    assert failed.returncode != 0 and "Not within an app context" in failed.stderr, failed.stderr
    ran = _run(twin)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().endswith("ok")


# Flask-SocketIO's background task, run with its test client in threading mode: emit() there
# fails even under an app context, socketio.emit(..., to=sid) works.
_SOCKETIO_TASK = """\
import threading

from flask import Flask, request
from flask_socketio import SocketIO, emit

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


def crunch(sid):
    with app.app_context():
        {line}


@socketio.on("start")
def start():
    socketio.start_background_task(crunch, request.sid)


errors = []
threading.excepthook = lambda args: errors.append(args.exc_value)
client = socketio.test_client(app)
client.emit("start")
for t in threading.enumerate():
    if t is not threading.current_thread():
        t.join(10)
if errors:
    raise errors[0]
assert [m["name"] for m in client.get_received()] == ["progress"]
print("ok")
"""


def test_socketio_emit_in_a_background_task_fails_and_the_server_method_works() -> None:
    pytest.importorskip("flask_socketio")
    bug = _SOCKETIO_TASK.format(line='emit("progress", {"done": 1})')
    twin = _SOCKETIO_TASK.format(line='socketio.emit("progress", {"done": 1}, to=sid)')
    assert [f.rule for f in scan_source(bug, "bug.py")] == ["CTX116"]
    assert scan_source(twin, "twin.py") == []
    failed = _run(bug)
    assert failed.returncode != 0 and "Working outside of request context" in failed.stderr
    ran = _run(twin)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().endswith("ok")
