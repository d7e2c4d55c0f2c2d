"""The context-pop-mismatch edit: each context pushed and popped in one place, by one task.

Every thread and asyncio task has its own stack of contexts, and each pop must undo the latest
push made there (flask/ctx.py ``pop``: "Popped wrong app context"; contextvars: a token "created
in a different Context"; quart/ctx.py 0.18-0.22 the same). A ``with`` block (``async with`` for
Quart) pushes and pops in order, in one place, so the edit turns pushes into ``with`` blocks:

- a push that is never popped (``app.app_context().push()``), in the functions the traceback
  shows or, when a pytest fixture's pop failed, in the tests that use the fixture: the rest of
  its block runs under ``with`` instead;
- a push in one method and its pop in another (``self.ctx``), which run in different tasks or
  threads: the class's methods that use the context push their own, and the push and pop go;
- the failing pop's own push, in the same block (a fixture's push, yield, pop), becomes a
  ``with`` block too, as the cause's fix shows, once one of the above was found.

When none of that is found, which push is wrong cannot be known: no guess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import libcst as cst

from ctxfix.patch.case import Case, in_coroutine, reads_context, rest_end
from ctxfix.patch.source import (
    PatchError,
    Source,
    Stmt,
    assigned_names,
    callee,
    code_of,
    imports_of,
    param_names,
    uses_name,
)

_CONTEXTS = ("app_context", "test_request_context", "request_context")


def fix_pop(case: Case) -> None:
    place = case.innermost
    src, st = case.stmt(place)
    popped = _called(st.node, "pop")
    fixed = False
    # "Popped wrong ... context" is an order gone wrong in one thread (flask/ctx.py); the other
    # messages (contextvars' token errors) mean a pop in another task or thread.
    other_task = "popped wrong" not in case.message.lower()
    if popped is not None and isinstance(popped, cst.Attribute) and other_task:
        fixed = _across_methods(case, src, st, popped)
    for p in case.places:
        p_src, p_st = case.stmt(p)
        if p_st.function is not None:
            fixed = _leaks_in(case, p_src, p_st.function) or fixed
    fn = st.function
    if fn is not None and _is_fixture(fn):
        for t_src, test in _tests_using(case, src, fn.name.value):
            fixed = _leaks_in(case, t_src, test, a_test=True) or fixed
    elif fn is not None and not fixed:
        # A method's pop (unittest's tearDown): what its class's other methods leave pushed.
        cls = next((s for s in reversed(st.scopes) if isinstance(s, cst.ClassDef)), None)
        for m in cls.body.body if cls is not None else ():
            if isinstance(m, cst.FunctionDef) and m is not fn:
                a_test = m.name.value.startswith("test")
                fixed = _leaks_in(case, src, m, a_test=a_test) or fixed
    if not fixed:
        raise PatchError(
            f"{place.rel}:{place.line}: cannot find the push this pop does not match (a push "
            "never popped, or one made in another task or thread); push with `with` there"
        )
    if popped is not None and not isinstance(popped, cst.Attribute):
        _pair_to_with(case, src, st, popped)


# ---------------------------------------------------------------------------------------------
# Reading pushes and pops


def _called(node: cst.CSTNode, method: str) -> Optional[cst.BaseExpression]:
    """``X`` for a statement ``X.<method>(...)`` or ``await X.<method>(...)``, else None."""
    if not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
        return None
    small = node.body[0]
    if not isinstance(small, cst.Expr):
        return None
    value = small.value.expression if isinstance(small.value, cst.Await) else small.value
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == method
    ):
        return value.func.value
    return None


def _is_context(expr: Optional[cst.BaseExpression]) -> bool:
    """``app.app_context()``, ``app.test_request_context(...)`` and the like."""
    return (callee(expr) or "").rsplit(".", 1)[-1] in _CONTEXTS if expr is not None else False


def _made_as(src: Source, fn: cst.FunctionDef, target: str) -> list[tuple[Stmt, cst.Call]]:
    """The statements of ``fn`` that set ``target`` (``ctx`` or ``self.ctx``) to a context."""
    out = []
    for st in src.stmts_in(fn):
        node = st.node
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
            small = node.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and code_of(small.targets[0].target) == target
                and _is_context(small.value)
            ):
                assert isinstance(small.value, cst.Call)
                out.append((st, small.value))
    return out


def _statements_with(src: Source, fn: cst.FunctionDef, method: str, target: str) -> list[Stmt]:
    return [
        st
        for st in src.stmts_in(fn)
        if (found := _called(st.node, method)) is not None and code_of(found) == target
    ]


def _mentions(src: Source, fn: cst.FunctionDef, target: str) -> int:
    """How many statements of ``fn`` mention ``target``."""
    return sum(1 for st in src.stmts_in(fn) if _mention(st.node, target))


def _mention(node: cst.CSTNode, target: str) -> bool:
    if isinstance(node, cst.BaseCompoundStatement):
        return False  # counted through the statements in its blocks
    if "." not in target:
        return uses_name(node, target)
    return target in code_of(node)


# ---------------------------------------------------------------------------------------------
# The three moves


def _leaks_in(case: Case, src: Source, fn: cst.FunctionDef, *, a_test: bool = False) -> bool:
    """Pushes in ``fn`` that are never popped become ``with`` blocks around the rest of their
    block. A push that ends its block is left alone (it pushes for whoever runs next), but in
    a test, where nothing runs next, it goes."""
    fixed = False
    for st in src.stmts_in(fn):
        pushed = _called(st.node, "push")
        if pushed is None or (case.quart and not in_coroutine(st)):
            continue
        if _is_context(pushed):
            item = code_of(pushed)
            setter = None
        elif isinstance(pushed, cst.Name):
            name = pushed.value
            sets = _made_as(src, fn, name)
            if len(sets) != 1 or _statements_with(src, fn, "pop", name):
                continue
            # `with ctx:` pushes the context made above, when ctx is used for more than that.
            setter, item = sets[0][0], code_of(sets[0][1])
            if _mentions(src, fn, name) > 2:
                setter, item = None, name
        else:
            continue
        last = rest_end(st)
        if last == st.index and not a_test:
            continue
        ed = case.edit(src)
        if setter is not None:
            ed.remove(setter)
        ed.remove(st)
        if last > st.index:
            after = src.stmt_of(st.block.body[st.index + 1])
            ed.wrap(after, last, item, is_async=case.quart)
        fixed = True
    return fixed


def _pair_to_with(case: Case, src: Source, pop_st: Stmt, popped: cst.BaseExpression) -> None:
    """``ctx = app.app_context(); ctx.push(); ...; ctx.pop()`` in one block becomes
    ``with app.app_context(): ...``."""
    fn = pop_st.function
    name = code_of(popped)
    if fn is None:
        return
    sets = _made_as(src, fn, name)
    pushes = [s for s in _statements_with(src, fn, "push", name) if s.block is pop_st.block]
    if len(sets) != 1 or len(pushes) != 1 or not pushes[0].index < pop_st.index:
        return
    push = pushes[0]
    if case.quart and not in_coroutine(push):
        return
    item = code_of(sets[0][1])
    if _mentions(src, fn, name) > 3:
        item += f" as {name}"
    ed = case.edit(src)
    ed.remove(sets[0][0])
    ed.remove(push)
    ed.remove(pop_st)
    if push.index + 1 < pop_st.index:
        first = src.stmt_of(push.block.body[push.index + 1])
        ed.wrap(first, pop_st.index - 1, item, is_async=case.quart)


def _across_methods(case: Case, src: Source, pop_st: Stmt, popped: cst.Attribute) -> bool:
    """``self.ctx`` pushed in one method and popped in another: the class's methods that use
    the context push their own with ``with``, and the push and the pop go."""
    target = code_of(popped)
    cls = next((s for s in reversed(pop_st.scopes) if isinstance(s, cst.ClassDef)), None)
    stopper = pop_st.function
    if cls is None or stopper is None or not target.startswith("self."):
        return False
    methods = [
        m
        for m in cls.body.body
        if isinstance(m, cst.FunctionDef) and param_names(m)[:1] == ["self"]
    ]
    starter = next((m for m in methods if _made_as(src, m, target)), None)
    if starter is None or starter is stopper:
        return False
    where = f"{src.rel}:{src.line_of(pop_st.node)}"
    (made_st, made), *more = _made_as(src, starter, target)
    pushes = _statements_with(src, starter, "push", target)
    root = code_of(made.func).split(".")[0]
    if more or len(pushes) != 1 or not (root == "self" or _module_binds(src, root)):
        raise PatchError(f"{where}: cannot tell which context {target} holds when it is pushed")
    users = [
        m
        for m in methods
        if m is not starter and m is not stopper and any(reads_context(s) for s in m.body.body)
    ]
    others = sum(_mentions(src, m, target) for m in methods)
    if not users or others != 3:  # set, pushed, popped: nothing else reads it
        raise PatchError(
            f"{where}: {target} is pushed in {starter.name.value}() and popped here, in another "
            "task or thread; cannot tell which code needs it: push it with `with` there"
        )
    if case.quart and not all(m.asynchronous is not None for m in users):
        raise PatchError(f"{where}: Quart's contexts need `async with`, in a coroutine")
    ed = case.edit(src)
    for m in users:
        ed.wrap_body(m, code_of(made), is_async=case.quart)
    ed.remove(made_st)
    ed.remove(pushes[0])
    ed.remove(pop_st)
    return True


def _module_binds(src: Source, name: str) -> bool:
    return name in imports_of(src.module) or any(
        n == name for st in src.module.body for n, _ in assigned_names(st)
    )


# ---------------------------------------------------------------------------------------------
# pytest: the tests that use the fixture whose pop failed


def _is_fixture(fn: cst.FunctionDef) -> bool:
    return any("fixture" in code_of(d.decorator) for d in fn.decorators)


def _tests_using(case: Case, src: Source, fixture: str) -> list[tuple[Source, cst.FunctionDef]]:
    """Test functions that ask for ``fixture``: in its module, and under a conftest.py's folder."""
    files = [src.path]
    if src.path.name == "conftest.py":
        files += sorted(
            p
            for p in src.path.parent.rglob("*.py")
            if p != src.path and _is_test_module(p) and "site-packages" not in p.parts
        )
    out = []
    for path in files:
        try:
            if ".push(" not in path.read_text(encoding="utf-8"):
                continue  # no push to find: not worth parsing
        except (OSError, UnicodeDecodeError):
            continue
        t_src = case.project.source(path)
        if t_src is None:
            continue
        for fn, _ in t_src.functions():
            if fn.name.value.startswith("test") and fixture in param_names(fn):
                out.append((t_src, fn))
    return out


def _is_test_module(path: Path) -> bool:
    return path.name.startswith("test_") or path.name.endswith("_test.py")
