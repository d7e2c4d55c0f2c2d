"""The async-task edit: work an async view hands to an executor runs in a copy of its context.

``loop.run_in_executor`` submits the function to a thread pool without copying the context
variables Flask (2.2+) and Quart keep their contexts in (asyncio/base_events.py, CPython 3.7-3.13);
``asyncio.to_thread`` runs it in a copy (asyncio/threads.py, 3.9+). With the default executor the
call becomes ``asyncio.to_thread``, as the cause's fix says; an executor of the user's own keeps
its pool and gets ``contextvars.copy_context().run`` to call the function in the copy.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from ctxfix.patch.case import Case
from ctxfix.patch.edits import Edit
from ctxfix.patch.source import PatchError, Source, Stmt, callee, code_of, names_in

_PYTHON = re.compile(r"python(\d)\.(\d+)")


def fix_async_task(case: Case) -> None:
    for place in reversed(case.places):
        src, st = case.stmt(place)
        call = _executor_call(src, st, place.line)
        if call is not None:
            _in_copied_context(case, src, st, call)
            return
    raise PatchError(
        f"{case.innermost.rel}: no run_in_executor call among your frames, so the work was "
        "started outside the handler (at start-up, from a callback or another event loop); "
        "pass it the values it needs, see `ctxfix show async-task`"
    )


def _executor_call(src: Source, st: Stmt, line: int) -> Optional[cst.Call]:
    """The ``*.run_in_executor(...)`` call on the frame's line."""
    found = [
        c for c in src.calls_on(st.node, line) if (callee(c) or "").endswith("run_in_executor")
    ]
    return found[-1] if found else None


def _in_copied_context(case: Case, src: Source, st: Stmt, call: cst.Call) -> None:
    where = f"{src.rel}:{src.line_of(call)}"
    args = list(call.args)
    if len(args) < 2 or any(a.keyword is not None for a in args):
        raise PatchError(f"{where}: cannot tell which function run_in_executor runs")
    if any(
        p.replace("\\", "/").endswith("concurrent/futures/process.py") for p in case.frame_paths
    ):
        raise PatchError(
            f"{where}: a process pool cannot carry the app's context; pass the function the "
            "values it needs"
        )
    ed = case.edit(src)
    default_pool = isinstance(args[0].value, cst.Name) and args[0].value.value == "None"
    if default_pool and _python(case) >= (3, 9):
        ed.need_module("asyncio")
        rest = ", ".join(a.star + code_of(a.value) for a in args[1:])
        ed.replace_expr(call, f"asyncio.to_thread({rest})")
        _drop_unused_loop(ed, src, st, call)
        return
    ed.need_module("contextvars")

    def copied(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        new = list(n.args)
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        run = cst.Arg(cst.parse_expression("contextvars.copy_context().run"), comma=comma)
        new.insert(1, run)
        return n.with_changes(args=new)

    ed.node(call, copied)
    ed.fit_call(call)


def _python(case: Case) -> tuple[int, int]:
    """The Python the traceback's standard library paths name (3.9 when they name none)."""
    for p in case.frame_paths:
        m = _PYTHON.search(p)
        if m:
            return int(m.group(1)), int(m.group(2))
    return (3, 9)


def _drop_unused_loop(ed: Edit, src: Source, st: Stmt, call: cst.Call) -> None:
    """``loop = asyncio.get_running_loop()`` goes when the executor call was its only use."""
    fn = st.function
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    if fn is None or not isinstance(receiver, cst.Name):
        return
    uses = names_in(fn.body, receiver.value)
    if len(uses) != 2:  # the assignment and the executor call
        return
    for node in fn.body.body:
        if not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
            continue
        small = node.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == receiver.value
            and (callee(small.value) or "").endswith(("get_running_loop", "get_event_loop"))
        ):
            ed.remove(src.stmt_of(node))
            return
