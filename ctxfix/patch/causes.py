"""One edit per cause (and variant): the fix each cause's page describes, made to the user's code.

Each function takes a :class:`Case` (the finding, its frames mapped onto this folder, the files)
and records its changes on the case's edits, or raises PatchError saying why the right edit
cannot be known. ``EDITS`` is the one list of them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import libcst as cst

from ctxfix.patch.apps import AppFinder, AppRef
from ctxfix.patch.edits import Edit, forward_call, free_name, is_docstring
from ctxfix.patch.source import (
    PatchError,
    Place,
    Project,
    Source,
    Stmt,
    assigned_names,
    callee,
    code_of,
    dotted,
    is_generator,
    param_names,
    uses_name,
)

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
        return any(p.replace("\\", "/").endswith("flask/cli.py") for p in self.frame_paths)


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
    """Put the failing code under ``with <app>.<method>():`` at the first place that has an app."""
    tried: list[tuple[Source, Stmt]] = []
    for place in places:
        src, st = case.stmt(place)
        tried.append((src, st))
        ref = case.apps.find(src, st, allow_factory=False)
        if ref is not None:
            name = use_app(case, src, st, ref)
            case.edit(src).wrap(st, rest_end(st), f"{name}.{method}()")
            return
    if fallback_current_app:
        for src, st in tried:
            if st.function is not None:
                ed = case.edit(src)
                ed.need("flask", "current_app")
                ed.wrap(st, rest_end(st), f"current_app.{method}()")
                return
    for src, st in tried:
        ref = case.apps.find(src, st, allow_factory=True)
        if ref is not None:
            name = use_app(case, src, st, ref)
            case.edit(src).wrap(st, rest_end(st), f"{name}.{method}()")
            return
    where = ", ".join(dict.fromkeys(p.rel for p in places))
    raise PatchError(f"no Flask app or app factory is in reach in {where}")


def ctx_method(case: Case) -> str:
    return "test_request_context" if case.needs_request() else "app_context"


def _callers(src: Source, fn_name: str) -> list[tuple[cst.Call, Stmt]]:
    """Calls in ``src`` that are handed the function ``fn_name`` (not calls of it)."""
    found: list[tuple[cst.Call, Stmt]] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            for a in node.args:
                if isinstance(a.value, cst.Name) and a.value.value == fn_name:
                    found.append((node, src.stmt_at(src.line_of(node))))
                    return

    src.module.visit(V())
    return found


def _real_app_at(case: Case, src: Source, st: Stmt) -> str:
    """The real app object, as the code that starts the work can name it."""
    ref = case.apps.find(src, st, allow_factory=False)
    if ref is not None and ref.bind is None and ref.factory is None:
        if ref.import_from is not None:
            case.edit(src).need(ref.import_from, ref.name)
        return ref.name
    case.edit(src).need("flask", "current_app")
    return "current_app._get_current_object()"


def _function_of(place: Place, st: Stmt) -> cst.FunctionDef:
    """The function the frame ran; a lambda or comprehension cannot be handed an argument."""
    fn = st.function
    if fn is None or fn.name.value != place.function:
        what = place.function if place.function.startswith("<") else "this code"
        raise PatchError(f"{place.rel}:{place.line}: {what} is not a function it can change")
    return fn


# Calls that pass their extra positional arguments on to the function they are handed.
_POSITIONAL_STARTERS = {
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
    fn = _function_of(fn_place, st)
    ed = case.edit(src)
    # A module-level app in reach makes it simple: push its context in the function.
    ref = case.apps.find(src, src.stmt_of(fn), allow_factory=False) if not st.scopes[:-1] else None
    if ref is not None and ref.bind is None and ref.factory is None:
        if ref.import_from is not None:
            ed.need(ref.import_from, ref.name)
        ed.wrap_body(fn, f"{ref.name}.{ctx_method(case)}()")
        return
    name = fn.name.value
    sites = _callers(src, name)
    if not sites:
        raise PatchError(
            f"{fn_place.rel}: {name}() is started from a file the traceback does not show, so the "
            "app cannot be handed to it here; see `ctxfix show " + case.cause + "`"
        )
    pname = "app" if "app" not in param_names(fn) and not uses_name(fn, "app") else "flask_app"
    ed.add_first_param(fn, pname)
    ed.wrap_body(fn, f"{pname}.{ctx_method(case)}()")
    for call, site in sites:
        real = _real_app_at(case, src, site)
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
            ed.node(call, lambda n: _add_kwarg(n, "args", empty))
        else:
            ed.node(args_kw.value, lambda n: _prepend(n, real))
        return
    if last in _POSITIONAL_STARTERS:
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
            n = _add_kwarg(n, "weak", "False")  # a partial has no other reference to keep it
        return n

    ed.node(call, part)


def _add_kwarg(n: cst.CSTNode, key: str, value: str) -> cst.CSTNode:
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


# ---------------------------------------------------------------------------------------------
# The causes


def _script(case: Case) -> None:
    """standalone-script: the script's work inside ``with app.app_context():``."""
    wrap_with_app(case, case.entry_places(), ctx_method(case))


def _app_setup(case: Case) -> None:
    """app-setup: the setup code inside the context of the app it sets up."""
    if "not registered" in case.message.lower():
        raise PatchError(
            "Flask-SQLAlchemy is not set up for this app: call db.init_app(app) where the app is "
            "made, with one SQLAlchemy() for the whole project; a context would not help"
        )
    wrap_with_app(case, list(reversed(case.places)), "app_context")


def _cli_command(case: Case) -> None:
    """cli-command: @with_appcontext for a command `flask` runs (before 2.2), else push it."""
    if case.ran_by_flask_cli():
        for place in reversed(case.places):
            src, st = case.stmt(place)
            fn = st.function
            if fn is not None and any(
                (
                    dotted(d.decorator.func)
                    if isinstance(d.decorator, cst.Call)
                    else dotted(d.decorator) or ""
                ).endswith("command")
                for d in fn.decorators
            ):
                if any("with_appcontext" in code_of(d) for d in fn.decorators):
                    raise PatchError(f"{place.rel}: {fn.name.value} already has @with_appcontext")
                ed = case.edit(src)
                ed.need("flask.cli", "with_appcontext")
                ed.add_decorator(fn, "with_appcontext")
                return
    wrap_with_app(case, case.entry_places(), "app_context")


def _no_request(case: Case) -> None:
    """no-request: a test request context where the code pushed only an app context."""
    for place in reversed(case.places):
        src, st = case.stmt(place)
        for outer in src.enclosing_stmts(st):
            if isinstance(outer.node, cst.With):
                for item in outer.node.items:
                    name = callee(item.item)
                    if name and name.endswith(".app_context") and isinstance(item.item, cst.Call):
                        case.edit(src).replace_expr(
                            item.item, name[: -len("app_context")] + "test_request_context()"
                        )
                        return
    places = case.entry_places()
    if len(case.places) > 1 and places and places[0] == case.innermost:
        places = places[1:] or places  # call the helper inside a request, not change the helper
    wrap_with_app(case, places, "test_request_context", fallback_current_app=True)


def _url_for(case: Case) -> None:
    """url-for-no-server-name: SERVER_NAME set where the script configures its app."""
    for place in case.entry_places():
        src, st = case.stmt(place)
        ref = case.apps.find(src, st, allow_factory=False)
        if ref is None:
            continue
        binding = _binding_of(src, st, ref.name) if ref.bind is None else ref.bind
        if binding is not None and not _serves_pages(src):
            # Set on the script's own app only: a module that serves pages keeps its hosts.
            name = use_app(case, src, st, ref) if ref.bind is not None else ref.name
            case.edit(src).insert(
                binding,
                f'{name}.config["SERVER_NAME"] = "localhost"'
                "  # the host name your site is served at\n",
                after=True,
            )
            return
        name = use_app(case, src, st, ref)
        case.edit(src).wrap(st, rest_end(st), f"{name}.test_request_context()")
        return
    wrap_with_app(case, case.entry_places(), "test_request_context", fallback_current_app=True)


_ROUTE_DECORATORS = ("route", "get", "post", "put", "patch", "delete", "add_url_rule")


def _serves_pages(src: Source) -> bool:
    """The module declares routes (before Flask 3.1, SERVER_NAME would limit the hosts served)."""
    for fn, _ in src.functions():
        for d in fn.decorators:
            name = callee(d.decorator) or ""
            if name.rsplit(".", 1)[-1] in _ROUTE_DECORATORS and "." in name:
                return True
    return False


def _binding_of(src: Source, st: Stmt, name: str) -> Optional[Stmt]:
    """The statement in the same or an outer block that binds ``name`` before ``st``."""
    for outer in src.enclosing_stmts(st):
        for i in range(outer.index - 1, -1, -1):
            node = outer.block.body[i]
            if any(n == name for n, _ in assigned_names(node)):
                return src.stmt_of(node)
    return None


def _streaming(case: Case) -> None:
    """streaming-response: the generator keeps the request with @stream_with_context."""
    for place in reversed(case.places):
        src, st = case.stmt(place)
        fn = st.function
        if fn is None or fn.name.value != place.function or not is_generator(fn):
            continue
        if any("stream_with_context" in code_of(d) for d in fn.decorators):
            raise PatchError(f"{place.rel}: {fn.name.value} already has @stream_with_context")
        ed = case.edit(src)
        ed.need("flask", "stream_with_context")
        ed.add_decorator(fn, "stream_with_context")
        return
    raise PatchError(f"{case.innermost.rel}: no generator function among your frames")


def _thread(case: Case) -> None:
    """background-thread: the real app for app data; the request copied in for request data."""
    if case.variant == "request-data" or case.family == "request-context":
        src, st = case.stmt(case.innermost)
        fn = _function_of(case.innermost, st)
        sites = _callers(src, fn.name.value)
        if not sites:
            raise PatchError(
                f"{case.innermost.rel}: {fn.name.value}() is started from a file the traceback "
                "does not show; wrap it with copy_current_request_context there"
            )
        ed = case.edit(src)
        ed.need("flask", "copy_current_request_context")
        name = fn.name.value
        for call, _ in sites:
            for a in call.args:
                if isinstance(a.value, cst.Name) and a.value.value == name:
                    ed.replace_expr(a.value, f"copy_current_request_context({name})")
        return
    src, st = case.stmt(case.innermost)
    # `app.app_context()` itself failed: the thread was handed the current_app proxy.
    if isinstance(st.node, cst.With) and st.function is not None:
        params = param_names(st.function)
        for item in st.node.items:
            name = callee(item.item) or ""
            if name.endswith(".app_context") and name.split(".")[0] in params:
                fixed = False
                for call, _ in _callers(src, st.function.name.value):
                    for a in call.args:
                        for node in _proxy_args(a.value):
                            case.edit(src).replace_expr(node, "current_app._get_current_object()")
                            fixed = True
                if fixed:
                    return
                raise PatchError(
                    f"{case.innermost.rel}: the current_app proxy is passed in from a file the "
                    "traceback does not show; pass current_app._get_current_object() there"
                )
    hand_app_to(case, case.innermost)


def _proxy_args(value: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(value, cst.Name) and value.value == "current_app":
        return [value]
    if isinstance(value, (cst.Tuple, cst.List)):
        return [
            e.value
            for e in value.elements
            if isinstance(e.value, cst.Name) and e.value.value == "current_app"
        ]
    return []


def _scheduled(case: Case) -> None:
    """scheduled-job: Flask-APScheduler's own app, or the app handed to the job."""
    src, st = case.stmt(case.innermost)
    fn = st.function
    if fn is not None:
        for d in fn.decorators:
            name = callee(d.decorator) or ""
            if name.endswith(".task") and name.count(".") == 1:
                receiver = name.split(".")[0]
                case.edit(src).wrap_body(fn, f"{receiver}.app.{ctx_method(case)}()")
                return
    hand_app_to(case, case.innermost)


def _worker_app(case: Case) -> None:
    """task-queue / celery-task: a job pushes the context of an app its worker builds once."""
    src, st = case.stmt(case.innermost)
    fn = _function_of(case.innermost, st)
    if case.cause == "celery-task" and _is_celery_signal_handler(src, fn):
        hand_app_to(case, case.innermost)
        return
    ref = case.apps.find(src, src.stmt_of(fn), allow_factory=False)
    ed = case.edit(src)
    if ref is not None and ref.bind is None and ref.factory is None:
        if ref.import_from is not None:
            ed.need(ref.import_from, ref.name)
        celery_app = _celery_app_made_here(src, fn) if case.cause == "celery-task" else None
        if celery_app is not None and ref.import_from is None:
            # The Celery app is made in this file, beside the Flask app: give every task a
            # base that pushes the app's context (Flask's docs before 2.2.3, make_celery).
            name, made = celery_app
            base = free_name(src.module, "ContextTask", "FlaskContextTask")
            ed.insert(
                made,
                f"class {base}({name}.Task):\n"
                "    def __call__(self, *args, **kwargs):\n"
                f"        with {ref.name}.app_context():\n"
                "            return self.run(*args, **kwargs)\n\n\n"
                f"{name}.Task = {base}  # every task of {name} runs in the app's context\n",
                after=True,
                lines_around=2,
            )
            return
        ed.wrap_body(fn, f"{ref.name}.{ctx_method(case)}()")
        return
    ref = case.apps.the_project_app(src)
    helper = free_name(src.module, "worker_app", "flask_worker_app")
    if ref.factory is not None and ref.factory_import is not None:
        mod, name = ref.factory_import
        body = (
            f"    from {mod} import {name}  # here, not at the top: no import cycle\n\n"
            f"    return {name}()  # built once per worker process\n"
        )
    else:
        body = (
            f"    from {ref.import_from} import {ref.name}  # here, not at the top: no import cycle"
            f"\n\n    return {ref.name}\n"
        )
    ed.need_module("functools")
    top = src.stmt_of(fn) if not st.scopes[:-1] else src.stmt_of(st.scopes[0])  # type: ignore[arg-type]
    ed.insert(top, f"@functools.lru_cache(maxsize=None)\ndef {helper}():\n{body}", lines_around=2)
    ed.wrap_body(fn, f"{helper}().{ctx_method(case)}()")


def _celery_app_made_here(src: Source, fn: cst.FunctionDef) -> Optional[tuple[str, Stmt]]:
    """For ``@celery.task`` on ``fn``: the name ``celery`` and the statement that made it,
    when that is a module-level call in this file before the task."""
    for d in fn.decorators:
        dec = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        name = dotted(dec) or ""
        if not name.endswith(".task") or name.count(".") != 1:
            continue
        receiver = name.split(".")[0]
        for node in src.module.body:
            if node is fn or src.line_of(node) > src.line_of(fn):
                break
            for bound, value in assigned_names(node):
                if bound == receiver and isinstance(value, cst.Call):
                    return receiver, src.stmt_of(node)
    return None


def _is_celery_signal_handler(src: Source, fn: cst.FunctionDef) -> bool:
    for call, _ in _callers(src, fn.name.value):
        if (callee(call) or "").endswith(".connect"):
            return True
    return any("connect" in code_of(d) for d in fn.decorators)


def _import_time(case: Case) -> None:
    """import-time: the value is looked up when it is used, not when the module loads."""
    place = case.innermost
    src, st = case.stmt(place)
    node = st.node
    if st.scopes and isinstance(st.scopes[-1], cst.ClassDef):
        raise PatchError(
            f"{place.rel}:{place.line}: a class attribute reads the context; move it into a method"
        )
    if isinstance(node, cst.FunctionDef):
        defaults = [p.default for p in node.params.params if p.default is not None]
        if not _in_decorators(src, node, place.line) and any(map(_reads_context, defaults)):
            _default_arg(case, src, node, place)
        else:
            _decorator_arg(case, src, node, place)
        return
    if st.function is None and not st.scopes:
        names = assigned_names(node)
        if len(names) == 1:
            _constant_to_function(case, src, st, names[0][0], names[0][1])
            return
    raise PatchError(
        f"{place.rel}:{place.line}: runs at import; move it into the function that needs it"
    )


def _in_decorators(src: Source, fn: cst.FunctionDef, line: int) -> bool:
    return any(
        src.positions[d].start.line <= line <= src.positions[d].end.line for d in fn.decorators
    )


def _default_arg(case: Case, src: Source, fn: cst.FunctionDef, place: Place) -> None:
    ed = case.edit(src)
    bad = [
        p
        for p in fn.params.params + fn.params.kwonly_params
        if p.default is not None and _reads_context(p.default)
    ]
    if not bad:
        raise PatchError(f"{place.rel}:{place.line}: cannot tell which default reads the context")
    defaults = {p.name.value: code_of(p.default) for p in bad}  # type: ignore[arg-type]

    def change(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.FunctionDef)

        def fix(p: cst.Param) -> cst.Param:
            if p.name.value in defaults:
                return p.with_changes(default=cst.Name("None"))
            return p

        params = n.params.with_changes(
            params=[fix(p) for p in n.params.params],
            kwonly_params=[fix(p) for p in n.params.kwonly_params],
        )
        body = list(n.body.body)
        start = 1 if body and is_docstring(body[0]) else 0
        pre = [
            cst.parse_statement(f"if {name} is None:\n    {name} = {expr}\n")
            for name, expr in defaults.items()
        ]
        return n.with_changes(
            params=params, body=n.body.with_changes(body=body[:start] + pre + body[start:])
        )

    ed.node(fn, change)


_CONTEXT_NAMES = ("current_app", "g", "request", "session", "url_for", "db", "current_user")


def _reads_context(expr: cst.CSTNode) -> bool:
    return any(uses_name(expr, n) for n in _CONTEXT_NAMES) or ".query" in code_of(expr)


def _decorator_arg(case: Case, src: Source, fn: cst.FunctionDef, place: Place) -> None:
    """Apply the decorator when the function is called, inside the context, not at import."""
    decs = list(fn.decorators)
    idx = next(
        (
            i
            for i, d in enumerate(decs)
            if src.positions[d].start.line <= place.line <= src.positions[d].end.line
        ),
        None,
    )
    if idx is None:  # the traceback points at the def line (older Pythons)
        idx = next((i for i, d in enumerate(decs) if _reads_context(d)), None)
    if idx is None or not _reads_context(decs[idx]):
        raise PatchError(f"{place.rel}:{place.line}: cannot tell which decorator reads the context")
    d_name = dotted(decs[idx].decorator.func) if isinstance(decs[idx].decorator, cst.Call) else None
    if d_name and d_name.rsplit(".", 1)[-1] in (
        "route",
        "command",
        "task",
        "get",
        "post",
        "before_request",
    ):
        raise PatchError(f"{place.rel}:{place.line}: a registering decorator reads the context")
    inner_name = free_name(fn, "call", "decorated")
    call = forward_call(fn, inner_name)
    ed = case.edit(src)

    def change(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.FunctionDef)
        ds = list(n.decorators)
        inner = n.with_changes(
            name=cst.Name(inner_name),
            decorators=[ds[idx].with_changes(leading_lines=())] + ds[idx + 1 :],
            leading_lines=(),
        )
        comment = cst.EmptyLine(
            comment=cst.Comment(
                "# Decorated on each call, so its argument is read then, not at import."
            )
        )
        ret = cst.parse_statement(f"return {call}\n").with_changes(
            leading_lines=(cst.EmptyLine(indent=False),)
        )
        body = cst.IndentedBlock(body=[inner.with_changes(leading_lines=(comment,)), ret])
        return n.with_changes(decorators=ds[:idx], body=body)

    ed.node(fn, change)


def _importer_of(project: Project, path: Path, name: str) -> Optional[str]:
    """Another module of the project that imports ``name`` from the module at ``path``."""
    mod = project.module_name(path) or path.stem
    stem = mod.rsplit(".", 1)[-1]
    for other in project.py_files():
        if other.resolve() == path.resolve():
            continue
        try:
            tree = ast.parse(other.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == stem:
                if any(a.name in (name, "*") for a in node.names):
                    return project.module_name(other) or other.name
            if isinstance(node, ast.Attribute) and node.attr == name:
                if isinstance(node.value, ast.Name) and node.value.id == stem:
                    return project.module_name(other) or other.name
    return None


def _runs_at_import(node: cst.CSTNode, name: str) -> bool:
    """``name`` is read when the module is imported: at the top level, in a decorator, a default
    argument, a base class or a class body (but not inside a function's body)."""
    if isinstance(node, cst.FunctionDef):
        return any(uses_name(d, name) for d in node.decorators) or uses_name(node.params, name)
    if isinstance(node, cst.ClassDef):
        return (
            any(uses_name(d, name) for d in node.decorators)
            or any(uses_name(b, name) for b in node.bases)
            or any(_runs_at_import(st, name) for st in node.body.body)
        )
    return uses_name(node, name)


def _constant_to_function(
    case: Case, src: Source, st: Stmt, name: str, value: cst.BaseExpression
) -> None:
    """``NAME = current_app.config[...]`` at import becomes a function, called where NAME was."""
    func = free_name(
        src.module, name.lower() if name.isupper() else f"get_{name}", f"get_{name.lower()}"
    )
    user = _importer_of(case.project, src.path, name)
    if user is not None:
        raise PatchError(
            f"{src.rel}: {name} is imported by {user}, which the traceback does not show"
        )
    uses_at_top = [n for n in src.module.body if n is not st.node and _runs_at_import(n, name)]
    if uses_at_top:
        raise PatchError(f"{src.rel}: {name} is also used at import time")
    ed = case.edit(src)
    comment = (
        "    # Read when called (in a request or command), not when Python imports the module.\n"
    )
    ed.replace_stmt(st, f"def {func}():\n{comment}    return {code_of(value)}\n", lines_before=2)

    class Uses(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            if n.value == name:
                ed.replace_expr(n, f"{func}()")

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            self_visit = n.value
            self_visit.visit(self)
            return False

        def visit_Param(self, n: cst.Param) -> bool:
            return False

    for fn_node, _ in src.functions():
        if fn_node is not st.node:
            for child in fn_node.body.body:
                child.visit(Uses())
    # A function that assigns NAME itself keeps its own local; leave those alone.
    for fn_node, _ in src.functions():
        for s in fn_node.body.body:
            if any(n == name for n, _ in assigned_names(s)):
                raise PatchError(f"{src.rel}: {fn_node.name.value}() assigns {name} too")


def _pytest(case: Case) -> None:
    """pytest-test: the test gets an app fixture that pushes a context, or pushes one itself."""
    from ctxfix.patch.pytest_fix import fix_test

    fix_test(case)


def _push_context(case: Case) -> None:
    """The family's own fix, when the cause is open between causes that all push a context."""
    rest = [p for p in reversed(case.places) if p not in case.entry_places()]
    wrap_with_app(case, case.entry_places() + rest, "app_context")


def for_unsettled(candidates: list[str]) -> Optional[Callable[[Case], None]]:
    """The edit for a finding whose cause is open, when every candidate's fix is the same."""
    if candidates and set(candidates) <= {"standalone-script", "app-setup", "cli-command"}:
        return _push_context
    return None


def _interactive(case: Case) -> None:
    raise PatchError(
        "code typed at a prompt has no file to patch: start the session with `flask shell`, "
        "or run app.app_context().push() first"
    )


EDITS: dict[str, Callable[[Case], None]] = {
    "app-setup": _app_setup,
    "background-thread": _thread,
    "celery-task": _worker_app,
    "cli-command": _cli_command,
    "import-time": _import_time,
    "interactive-shell": _interactive,
    "no-request": _no_request,
    "pytest-test": _pytest,
    "scheduled-job": _scheduled,
    "standalone-script": _script,
    "streaming-response": _streaming,
    "task-queue": _worker_app,
    "url-for-no-server-name": _url_for,
}
"""The edit for each bundled cause; a cause missing here gets no patch, and says so."""
