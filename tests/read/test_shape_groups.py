"""Exception groups (Python 3.11+, asyncio.TaskGroup and the like). The programs run for real
under this interpreter and the installed Flask; the margin-kept form of Python 3.13 is written
for these tests after CPython 3.13's traceback.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ctxfix.engine import explain_lines

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup")

_TASKS = """
    import asyncio
    from flask import Flask, current_app, request
    app = Flask("shop")

    async def send_receipt():
        return current_app.config["MAIL_SENDER"]

    async def read_args():
        return request.args["page"]

    async def inner_group():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(send_receipt())

    async def main():
        async with asyncio.TaskGroup() as tg:
            {tasks}

    asyncio.run(main())
"""


def _run(tmp_path, *tasks: str) -> str:
    """What the program prints with these tasks in its group."""
    body = "\n            ".join(f"tg.create_task({t}())" for t in tasks)
    script = tmp_path / "nightly.py"
    script.write_text(textwrap.dedent(_TASKS.replace("{tasks}", body)))
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return proc.stderr


def test_a_failed_task_is_read_with_the_group_frames_outside_it(read, tmp_path):
    out = _run(tmp_path, "send_receipt")
    assert "Exception Group Traceback" in out
    r = read(out)
    tb = r.one
    assert tb.exc_type == "RuntimeError" and "This typically means" in tb.message
    functions = [f.function for f in tb.frames]
    assert functions[0] == "<module>" and "main" in functions
    assert functions.index("main") < functions.index("send_receipt")
    assert any(c.startswith("ExceptionGroup: unhandled errors") for c in tb.context)
    lines = out.strip("\n").splitlines()
    assert r.shape_of(1) == "group-header"
    explanation = next(i for i, x in enumerate(lines, 1) if "This typically means" in x)
    # 3.11 and 3.12 print it at column 0, without the margin: it is still the message.
    assert r.shape_of(explanation) == "message"


def test_each_sub_exception_is_an_error_of_its_own_nested_groups_too(read, tmp_path):
    r = read(_run(tmp_path, "send_receipt", "read_args", "inner_group"))
    assert [tb.first_message_line for tb in r.records] == [
        "Working outside of application context.",
        "Working outside of request context.",
        "Working outside of application context.",
    ]
    nested = [f.function for f in r.records[2].frames]
    assert nested.index("main") < nested.index("inner_group") < nested.index("send_receipt")


def test_a_script_s_task_group_is_the_script_s_error(kb, tmp_path):
    out = _run(tmp_path, "send_receipt")
    (finding,) = explain_lines(kb, out.splitlines()).findings
    assert finding.cause is not None and finding.cause.id == "standalone-script"


MARGIN_KEPT = """
  + Exception Group Traceback (most recent call last):
  |   File "/srv/jobs/nightly.py", line 20, in <module>
  |     asyncio.run(main())
  |   File "/srv/jobs/nightly.py", line 16, in main
  |     async with asyncio.TaskGroup() as tg:
  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/jobs/nightly.py", line 6, in send_receipt
    |     return current_app.config["MAIL_SENDER"]
    | RuntimeError: Working outside of application context.
    |
    | This typically means that you attempted to use functionality that needed
    | the current application.
    +---------------- ... ----------------
    | and 1 more exception
    +------------------------------------
"""


def test_python_3_13_keeps_the_margin_on_the_message_and_a_cut_group_adds_nothing(read):
    r = read(MARGIN_KEPT)
    tb = r.one
    assert "the current application." in tb.message
    assert [f.function for f in tb.frames] == ["<module>", "main", "send_receipt"]
    assert r.shape_of(7) == "group-separator" and r.shape_of(15) == "group-separator"
