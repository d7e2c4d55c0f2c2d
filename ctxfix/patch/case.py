"""What every edit is built from (:class:`Case`), and the moves several causes' edits share:
pushing a context around code (Flask's ``with``, Quart's ``async with``), handing the real app
to work that runs elsewhere, finding where a function is handed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import libcst as cst

from ctxfix.patch.apps import AppFinder, AppRef
from ctxfix.patch.edits import Edit, free_name
from ctxfix.patch.source import (
    PatchError,
    Place,
    Project,
    Source,
    Stmt,
    callee,
    calls_in,
    code_of,
    param_names,
    uses_name,
)

_CONTEXT_NAMES = ("current_app", "g", "request", "session", "url_for", "db", "current_user")


def reads_context(node: cst.CSTNode) -> bool:
    """The code uses a name that needs a pushed context (or a Flask-SQLAlchemy query)."""
    return any(uses_name(node, n) for n in _CONTEXT_NAMES) or ".query" in code_of(node)


# Names whose use needs a request, so tests and scripts get a test request context for them.
_REQUEST_PROXIES = ("url_for", "request", "session", "flash", "current_user", "login_user")


@dataclass
class Case:
    """What one finding's patch is built from, and the edits made so far."""

    cause: str
    variant: Optional[str]
    family: str
    proxy: Optional[str]
    message: str
    places: list[Place]
    """The user's frames that are files here, outermost first; the last is where it failed."""
    frame_paths: list[str]
    project: Project
    apps: AppFinder
    edits: dict[Path, Edit] = field(default_factory=dict)
    new_files: dict[Path, str] = field(default_factory=dict)
    fixtures_added: set[Path] = field(default_factory=set)
    """conftest.py files an app fixture was added to, by this or an earlier error's patch."""

    def source(self, place: Place) -> Source:
        src = self.project.source(place.path)
        if src is None:
            raise PatchError(f"{place.rel} cannot be read or parsed")
        src.check_line(place.line, place.code)
        return src

    def edit(self, src: Source) -> Edit:
        if src.path not in self.edits:
            self.edits[src.path] = Edit(src, local_tops=self.project.local_tops(src.path))
        return self.edits[src.path]

    @property
    def innermost(self) -> Place:
        return self.places[-1]

    def entry_places(self) -> list[Place]:
        """Frames in the file the run started from (script, test, command), innermost first."""
        entry = self.places[0].path
        return [p for p in reversed(self.places) if p.path == entry]

    def stmt(self, place: Place) -> tuple[Source, Stmt]:
        src = self.source(place)
        return src, src.stmt_at(place.line)

    def needs_request(self) -> bool:
        return self.family in ("request-context", "url-adapter") or (
            self.proxy is not None and self.proxy.split(".")[0] in _REQUEST_PROXIES
        )

    def ran_by_flask_cli(self) -> bool:
        return self.ran_in(f"{self.framework}/cli.py")

    @property
    def quart(self) -> bool:
        """The code is Quart's: its contexts are pushed with ``async with``."""
        return (
            self.family.startswith("quart-")
            or self.variant == "quart"
            or self.ran_in("quart/ctx.py")
        )

    @property
    def framework(self) -> str:
        """The module ``current_app`` and the other names are imported from."""
        return "quart" if self.quart else "flask"

    def loop_running(self) -> bool:
        """An asyncio event loop ran the failing code (asyncio.run cannot start another)."""
        return any(
            f"/{lib}/" in "/" + p.replace("\\", "/")
            for p in self.frame_paths
            for lib in _EVENT_LOOP_LIBRARIES
        )

    def ran_in(self, tail: str) -> bool:
        """A frame of the traceback is in a file whose path ends with ``tail``."""
        return any(p.replace("\\", "/").endswith(tail) for p in self.frame_paths)


# Libraries whose frames mean an event loop is running: asyncio's own, and the servers and
# frameworks that run one (Quart handles every request in a coroutine).
_EVENT_LOOP_LIBRARIES = ("asyncio", "quart", "hypercorn", "uvicorn", "anyio", "starlette")


# ---------------------------------------------------------------------------------------------
# Shared moves


def rest_end(st: Stmt) -> int:
    """The last statement to wrap with the failing one: the rest of its block, up to an import,
    a definition or the ``if __name__ == "__main__":`` block."""
    body = st.block.body
    j = st.index
    while j + 1 < len(body):
        nxt = body[j + 1]
        if isinstance(nxt, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(nxt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in nxt.body
        ):
            break
        if isinstance(nxt, cst.If) and "__name__" in code_of(nxt.test):
            break
        j += 1
    return j


def use_app(case: Case, src: Source, st: Stmt, ref: AppRef) -> str:
    """Make ``ref`` usable at ``st`` (bind, import or create it); the expression to use."""
    ed = case.edit(src)
    if ref.bind is not None:
        name = free_name(ref.bind.function or src.module, "app", "flask_app")
        ed.bind(ref.bind, name)
        return name
    if ref.import_from is not None:
        ed.need(ref.import_from, ref.name)
    if ref.factory is not None:
        name = free_name(st.function or src.module, "app", "flask_app")
        if ref.factory_import is not None:
            ed.need(*ref.factory_import)
        ed.insert(st, f"{name} = {ref.factory}()\n")
        return name
    return ref.name


def wrap_with_app(
    case: Case, places: list[Place], method: str, *, fallback_current_app: bool = False
) -> None:
    """Put the failing code under ``with <app>.<method>():`` at the first place that has an app
    (for Quart, a coroutine's place first: ``async with`` needs one)."""
    tried: list[tuple[Source, Stmt]] = [case.stmt(place) for place in places]
    if case.quart:
        tried.sort(key=lambda found: not in_coroutine(found[1]))
    if _push_with_app(case, tried, method, allow_factory=False):
        return
    if fallback_current_app:
        for src, st in tried:
            if st.function is not None:
                case.edit(src).need(case.framework, "current_app")
                push_context(case, src, st, rest_end(st), "current_app", method)
                return
    if _push_with_app(case, tried, method, allow_factory=True):
        return
    where = ", ".join(dict.fromkeys(p.rel for p in places))
    raise PatchError(f"no {case.framework.title()} app or app factory is in reach in {where}")


def _push_with_app(
    case: Case, tried: list[tuple[Source, Stmt]], method: str, *, allow_factory: bool
) -> bool:
    for src, st in tried:
        ref = case.apps.find(src, st, allow_factory=allow_factory)
        if ref is not None:
            push_context(case, src, st, rest_end(st), use_app(case, src, st, ref), method)
            return True
    return False


def ctx_method(case: Case) -> str:
    return "test_request_context" if case.needs_request() else "app_context"


def context_of(case: Case, app: str, method: str) -> str:
    """``app.app_context()``; Quart's test_request_context needs a path."""
    if case.quart and method == "test_request_context":
        return f'{app}.test_request_context("/")'
    return f"{app}.{method}()"


def in_coroutine(st: Stmt) -> bool:
    fn = st.function
    return fn is not None and fn.asynchronous is not None


def push_context(case: Case, src: Source, st: Stmt, last: int, app: str, method: str) -> None:
    """Run statements ``st`` to ``last`` of its block in a context of ``app``.

    Flask: ``with app.<method>():``. Quart pushes its contexts only with ``async with``
    (quart/ctx.py 0.18-0.22 has no synchronous ``__enter__``): in a coroutine that is the edit;
    in synchronous code with no event loop running, the statements (from the outermost block
    of their function or script on) go into a coroutine that ``asyncio.run`` runs in their place.
    """
    item = context_of(case, app, method)
    ed = case.edit(src)
    if not case.quart:
        ed.wrap(st, last, item)
        return
    if in_coroutine(st):
        ed.wrap(st, last, item, is_async=True)
        return
    where = f"{src.rel}:{src.line_of(st.node)}"
    if case.loop_running():
        raise PatchError(
            f"{where}: Quart's contexts are pushed with `async with`, and this synchronous code "
            "runs inside an event loop; push the context in the coroutine that calls it"
        )
    # One coroutine for the rest of the function (or script), not one per loop iteration.
    for outer in src.enclosing_stmts(st)[1:]:
        if isinstance(outer.node, (cst.FunctionDef, cst.ClassDef)):
            break
        st, last = outer, rest_end(outer)
    shared, returns = _coroutine_scope(src, st, last)
    wanted = "in_test_request" if method == "test_request_context" else "in_app_context"
    helper = free_name(st.function or src.module, wanted, f"{wanted}_")
    ed.run_in_coroutine(st, last, item, helper, shared, returns)


def _coroutine_scope(src: Source, st: Stmt, last: int) -> tuple[list[str], bool]:
    """For statements moved into a coroutine defined in their place: the names they bind that
    the code around them binds or reads too, and whether they return from their function.
    PatchError when the move would change what the code does."""
    stmts = list(st.block.body[st.index : last + 1])
    where = f"{src.rel}:{src.line_of(st.node)}"
    flow = _Flow()
    for s in stmts:
        s.visit(flow)
    if flow.stops:
        raise PatchError(
            f"{where}: the code to run in a Quart context {flow.stops}; push the context with "
            "`async with` in a coroutine around it"
        )
    fn = st.function
    if st.scopes and isinstance(st.scopes[-1], cst.ClassDef):
        raise PatchError(f"{where}: the code is in a class body; move it into a function")
    returns = flow.returns
    if returns and (fn is None or st.block is not fn.body or last != len(st.block.body) - 1):
        raise PatchError(
            f"{where}: the code to run in a Quart context returns from the middle of its "
            "function; push the context with `async with` in a coroutine around it"
        )
    scope = src.scope_of(stmts[0])
    if scope is None:
        return [], returns
    lo = src.line_of(stmts[0])
    hi = src.positions[stmts[-1]].end.line

    def inside(node: cst.CSTNode) -> bool:
        return lo <= src.line_of(node) <= hi

    shared: list[str] = []
    for a in scope.assignments:
        if not isinstance(a.node, cst.CSTNode) or not inside(a.node) or a.name in shared:
            continue
        outside = [b for b in scope.assignments[a.name] if not inside(b.node)]
        read_outside = any(not inside(r.node) for r in a.references)
        if not outside and not read_outside:
            continue
        if fn is not None and not outside:
            raise PatchError(
                f"{where}: code after the part to run in a Quart context reads {a.name}, "
                "which that part sets; push the context with `async with` around both"
            )
        shared.append(a.name)
    return sorted(shared), returns


class _Flow(cst.CSTVisitor):
    """What in a run of statements would jump out of them: return, yield, break, continue."""

    def __init__(self) -> None:
        self.loops = 0
        self.returns = False
        self.stops = ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_For(self, node: cst.For) -> None:
        self.loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self.loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.loops -= 1

    def visit_Return(self, node: cst.Return) -> None:
        self.returns = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.stops = self.stops or "yields"

    def visit_Await(self, node: cst.Await) -> None:
        self.stops = self.stops or "awaits"

    def visit_Global(self, node: cst.Global) -> None:
        self.stops = self.stops or "declares global names"

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.stops = self.stops or "declares nonlocal names"

    def visit_Break(self, node: cst.Break) -> None:
        if not self.loops:
            self.stops = self.stops or "breaks out of a loop around it"

    def visit_Continue(self, node: cst.Continue) -> None:
        if not self.loops:
            self.stops = self.stops or "continues a loop around it"


def callers(src: Source, fn_name: str) -> list[tuple[cst.Call, Stmt]]:
    """Calls in ``src`` that are handed the function ``fn_name`` (not calls of it)."""
    return [
        (call, src.stmt_at(src.line_of(call)))
        for call in calls_in(src.module)
        if any(isinstance(a.value, cst.Name) and a.value.value == fn_name for a in call.args)
    ]


def real_app_at(case: Case, src: Source, st: Stmt) -> str:
    """The real app object, as the code that starts the work can name it."""
    ref = case.apps.find(src, st, allow_factory=False)
    if ref is not None and ref.bind is None and ref.factory is None:
        if ref.import_from is not None:
            case.edit(src).need(ref.import_from, ref.name)
        return ref.name
    case.edit(src).need("flask", "current_app")
    return "current_app._get_current_object()"


def function_of(place: Place, st: Stmt) -> cst.FunctionDef:
    """The function the frame ran; a lambda or comprehension cannot be handed an argument."""
    fn = st.function
    if fn is None or fn.name.value != place.function:
        what = place.function if place.function.startswith("<") else "this code"
        raise PatchError(f"{place.rel}:{place.line}: {what} is not a function it can change")
    return fn


# Calls that pass their extra positional arguments on to the function they are handed.
POSITIONAL_STARTERS = {
    "submit",
    "spawn",
    "spawn_later",
    "start_background_task",
    "do",
    "run_in_executor",
    "call_soon_threadsafe",
}


def hand_app_to(case: Case, fn_place: Place) -> None:
    """The work function gets the real app as its first argument and pushes its context.

    Every place in the same file that hands the function on (Thread(target=...), submit,
    add_job, signal.connect, ...) passes the app along; with none there, nothing can be known.
    """
    src, st = case.stmt(fn_place)
    fn = function_of(fn_place, st)
    ed = case.edit(src)
    # A module-level app in reach makes it simple: push its context in the function.
    ref = case.apps.find(src, src.stmt_of(fn), allow_factory=False) if not st.scopes[:-1] else None
    if ref is not None and ref.bind is None and ref.factory is None:
        if ref.import_from is not None:
            ed.need(ref.import_from, ref.name)
        ed.wrap_body(fn, f"{ref.name}.{ctx_method(case)}()")
        return
    name = fn.name.value
    sites = callers(src, name)
    if not sites:
        raise PatchError(
            f"{fn_place.rel}: {name}() is started from a file the traceback does not show, so the "
            "app cannot be handed to it here; see `ctxfix show " + case.cause + "`"
        )
    pname = "app" if "app" not in param_names(fn) and not uses_name(fn, "app") else "flask_app"
    ed.add_first_param(fn, pname)
    ed.wrap_body(fn, f"{pname}.{ctx_method(case)}()")
    for call, site in sites:
        real = real_app_at(case, src, site)
        _pass_first_arg(ed, call, name, real)


def _pass_first_arg(ed: Edit, call: cst.Call, fn_name: str, real: str) -> None:
    what = callee(call) or ""
    last = what.rsplit(".", 1)[-1]
    kwargs = {a.keyword.value: a for a in call.args if a.keyword is not None}
    target_kw = kwargs.get("target")
    # Thread(target=fn, args=(...)) and APScheduler's add_job(fn, ..., args=[...]).
    if (target_kw is not None and isinstance(target_kw.value, cst.Name)) or last == "add_job":
        args_kw = kwargs.get("args")
        empty = f"({real},)" if target_kw is not None else f"[{real}]"
        if args_kw is None:
            ed.node(call, lambda n: add_kwarg(n, "args", empty))
        else:
            ed.node(args_kw.value, lambda n: _prepend(n, real))
        return
    if last in POSITIONAL_STARTERS:
        ed.node(call, lambda n: _insert_after_fn(n, fn_name, real))
        return
    # Anything else that stores the function to call it later: bind the app with partial.
    ed.need_module("functools")

    def part(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        new_args = [
            a.with_changes(value=cst.parse_expression(f"functools.partial({fn_name}, {real})"))
            if isinstance(a.value, cst.Name) and a.value.value == fn_name
            else a
            for a in n.args
        ]
        n = n.with_changes(args=new_args)
        if last == "connect" and not any(a.keyword and a.keyword.value == "weak" for a in n.args):
            n = add_kwarg(n, "weak", "False")  # a partial has no other reference to keep it
        return n

    ed.node(call, part)


def add_kwarg(n: cst.CSTNode, key: str, value: str) -> cst.CSTNode:
    assert isinstance(n, cst.Call)
    args = list(n.args)
    if args:
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    args.append(
        cst.Arg(
            cst.parse_expression(value),
            keyword=cst.Name(key),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
    )
    return n.with_changes(args=args)


def _prepend(n: cst.CSTNode, real: str) -> cst.CSTNode:
    if isinstance(n, (cst.Tuple, cst.List)):
        first = cst.Element(cst.parse_expression(real))
        elems = list(n.elements)
        if len(elems) == 1 and isinstance(n, cst.Tuple):
            elems[0] = elems[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if elems:
            first = first.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elif isinstance(n, cst.Tuple):
            first = first.with_changes(comma=cst.Comma())
        return n.with_changes(elements=[first, *elems])
    return cst.parse_expression(f"({real}, *{code_of(n)})")


def _insert_after_fn(n: cst.CSTNode, fn_name: str, real: str) -> cst.CSTNode:
    assert isinstance(n, cst.Call)
    args = list(n.args)
    for i, a in enumerate(args):
        if isinstance(a.value, cst.Name) and a.value.value == fn_name:
            new = cst.Arg(cst.parse_expression(real))
            if i + 1 < len(args):
                new = new.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            else:
                args[i] = a.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            args.insert(i + 1, new)
            break
    return n.with_changes(args=args)
