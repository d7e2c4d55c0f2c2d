"""One edit per cause (and variant): the fix each cause's page describes, made to the user's code.

Each function takes a :class:`Case` (the finding, its frames mapped onto this folder, the files)
and records its changes on the case's edits, or raises PatchError saying why the right edit
cannot be known. ``EDITS`` is the one list of them.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Callable, Optional

import libcst as cst
import libcst.matchers as m

from ctxfix.patch.async_task import fix_async_task
from ctxfix.patch.case import (
    Case,
    add_kwarg,
    callers,
    ctx_method,
    function_of,
    hand_app_to,
    reads_context,
    rest_end,
    use_app,
    wrap_with_app,
)
from ctxfix.patch.edits import forward_call, free_name, is_docstring
from ctxfix.patch.hosts import fix_host
from ctxfix.patch.pops import fix_pop
from ctxfix.patch.pytest_fix import fix_test
from ctxfix.patch.socketio_emit import fix_socketio_emit
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
    """cli-command: @with_appcontext for a command `flask` runs (before 2.2), or one on a Quart
    app's app.cli (which pushes no context unless asked); else push it."""
    if case.ran_by_flask_cli():
        for place in reversed(case.places):
            src, st = case.stmt(place)
            fn = st.function
            command = next((d for d in fn.decorators if _is_command(d)), None) if fn else None
            if fn is None or command is None:
                continue
            if any("with_appcontext" in code_of(d) for d in fn.decorators):
                raise PatchError(f"{place.rel}: {fn.name.value} already has @with_appcontext")
            ed = case.edit(src)
            made = command.decorator
            if case.quart and isinstance(made, cst.Call) and ".cli." in f".{callee(made)}":
                # quart/cli.py AppGroup.command (0.18-0.22) pops with_appcontext=True and
                # wraps the command in with_appcontext.
                ed.node(made, lambda n: add_kwarg(n, "with_appcontext", "True"))
                return
            ed.need(f"{case.framework}.cli", "with_appcontext")
            ed.add_decorator(fn, "with_appcontext")
            return
    wrap_with_app(case, case.entry_places(), "app_context")


def _is_command(d: cst.Decorator) -> bool:
    made = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
    return (dotted(made) or "").endswith("command")


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
    if case.quart:
        _quart_background_task(case)
        return
    if case.variant == "request-data" or case.family == "request-context":
        src, st = case.stmt(case.innermost)
        fn = function_of(case.innermost, st)
        sites = callers(src, fn.name.value)
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
    if case.variant == "thread-class":
        _thread_class(case)
        return
    src, st = case.stmt(case.innermost)
    # `app.app_context()` itself failed: the thread was handed the current_app proxy.
    if isinstance(st.node, cst.With) and st.function is not None:
        params = param_names(st.function)
        for item in st.node.items:
            name = callee(item.item) or ""
            if name.endswith(".app_context") and name.split(".")[0] in params:
                fixed = False
                for call, _ in callers(src, st.function.name.value):
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


def _thread_class(case: Case) -> None:
    """background-thread (a threading.Thread subclass): ``__init__``, which runs where the thread
    is created, keeps the real app on the thread, and ``run()`` pushes its app context."""
    src, st = case.stmt(case.innermost)
    run = function_of(case.innermost, st)
    cls = st.scopes[-2] if len(st.scopes) >= 2 else None
    if not isinstance(cls, cst.ClassDef) or not isinstance(cls.body, cst.IndentedBlock):
        raise PatchError(f"{case.innermost.rel}: {run.name.value}() is not a method of a class")
    if m.findall(cls, m.Attribute(value=m.Name("self"), attr=m.Name("app"))):
        raise PatchError(
            f"{case.innermost.rel}: {cls.name.value} already has a self.app; make it "
            "current_app._get_current_object() in __init__ and push self.app.app_context() in "
            "run()"
        )
    keep = "self.app = current_app._get_current_object()  # the real app, not the proxy\n"
    ed = case.edit(src)
    ed.need("flask", "current_app")
    ed.wrap_body(run, "self.app.app_context()")
    body = list(cls.body.body)
    init = next(
        (b for b in body if isinstance(b, cst.FunctionDef) and b.name.value == "__init__"), None
    )
    if init is None:
        first = 1 if body and is_docstring(body[0]) and len(body) > 1 else 0
        ed.insert(
            src.stmt_of(body[first]),
            "def __init__(self, *args, **kwargs):\n"
            "    super().__init__(*args, **kwargs)\n    " + keep,
            lines_around=1,
        )
        return
    own = list(init.body.body) if isinstance(init.body, cst.IndentedBlock) else []
    if not own:
        raise PatchError(f"{case.innermost.rel}: {cls.name.value}.__init__ is on one line")
    last = src.stmt_of(own[-1])
    if isinstance(own[-1], cst.SimpleStatementLine) and isinstance(own[-1].body[0], cst.Return):
        ed.insert(last, keep)
    else:
        ed.insert(last, keep, after=True)


def _quart_background_task(case: Case) -> None:
    """background-thread (Quart): the thread becomes ``app.add_background_task(fn, ...)``, which
    runs the function in a copy of the app's context (quart/app.py 0.18-0.22), and Quart's
    shutdown waits for it."""
    place = case.innermost
    src, st = case.stmt(place)
    fn = function_of(place, st)
    name = fn.name.value
    if case.family != "quart-app-context":
        raise PatchError(
            f"{place.rel}: {name}() reads the {case.proxy or 'request'} in a thread, and Quart "
            "copies no request into one; read the values in the handler and pass them to it"
        )
    sites = callers(src, name)
    if not sites:
        raise PatchError(
            f"{place.rel}: {name}() is started from a file the traceback does not show; start "
            "it there with app.add_background_task"
        )
    ed = case.edit(src)
    for call, site in sites:
        started = _thread_started_by(src, call, site)
        if started is None:
            raise PatchError(
                f"{src.rel}:{src.line_of(call)}: {name}() is started in a way ctxfix cannot "
                "turn into app.add_background_task (a Thread(target=...) started at once)"
            )
        ref = case.apps.find(src, site, allow_factory=False)
        if ref is not None and ref.bind is None and ref.factory is None:
            if ref.import_from is not None:
                ed.need(ref.import_from, ref.name)
            app = ref.name
        else:
            ed.need("quart", "current_app")
            app = "current_app"
        args = [name, *_thread_args(call)]
        why = "# runs after the response, in the app's context; Quart's shutdown waits for it\n"
        ed.replace_stmt(started[0], f"{why}{app}.add_background_task({', '.join(args)})\n")
        for extra in started[1:]:
            ed.remove(extra)
    ed.drop_import_if_unused("threading")
    ed.drop_import_if_unused("Thread")


def _thread_started_by(src: Source, call: cst.Call, site: Stmt) -> Optional[list[Stmt]]:
    """For ``Thread(target=fn, ...)``: the statements that make and start it, when that is all
    they do (``Thread(...).start()``, or ``t = Thread(...)`` and ``t.start()``)."""
    if (callee(call) or "").rsplit(".", 1)[-1] != "Thread":
        return None
    node = site.node
    if not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
        return None
    small = node.body[0]
    if isinstance(small, cst.Expr):
        ran = small.value
        if (
            isinstance(ran, cst.Call)
            and isinstance(ran.func, cst.Attribute)
            and ran.func.value is call
            and ran.func.attr.value == "start"
        ):
            return [site]
        return None
    names = assigned_names(node)
    if len(names) != 1 or names[0][1] is not call:
        return None
    var = names[0][0]
    later = [src.stmt_of(n) for n in site.block.body[site.index + 1 :] if uses_name(n, var)]
    if (
        site.function is None
        or len(later) != 1
        or code_of(later[0].node).strip() != f"{var}.start()"
        or sum(uses_name(n, var) for n in site.function.body.body) > 2
    ):
        return None
    return [site, *later]


def _thread_args(call: cst.Call) -> list[str]:
    """The arguments ``Thread(target=fn, args=..., kwargs=...)`` passes to ``fn``."""
    out: list[str] = []
    for a in call.args:
        key = a.keyword.value if a.keyword is not None else None
        if key == "args" and isinstance(a.value, (cst.Tuple, cst.List)):
            for e in a.value.elements:
                star = "*" if isinstance(e, cst.StarredElement) else ""
                out.append(star + code_of(e.value))
        elif key == "args":
            out.append(f"*{code_of(a.value)}")
        elif key == "kwargs":
            out.append(f"**{code_of(a.value)}")
    return out


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
    fn = function_of(case.innermost, st)
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
    for call, _ in callers(src, fn.name.value):
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
        if not _in_decorators(src, node, place.line) and any(map(reads_context, defaults)):
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


def _tool(case: Case) -> None:
    """tool-introspection: the module-level lookup moves into a function (the import-time
    edit); doctests that run code reading the context get one from a conftest.py at the root of
    the package, which pytest imports before it collects the package for --doctest-modules."""
    place = case.innermost
    src, st = case.stmt(place)
    if any(p.startswith("<doctest ") for p in case.frame_paths):
        _doctest_conftest(case, src)
        return
    if st.function is not None and not isinstance(st.node, cst.FunctionDef):
        raise PatchError(
            f"{place.rel}:{place.line}: the tool ran {place.function}() itself (mock.patch or a "
            "debugger); give it the app's context there, see `ctxfix show tool-introspection`"
        )
    _import_time(case)
    if _has_doctests(src.text) and not case.quart:
        _doctest_conftest(case, src)


def _has_doctests(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(
        ">>>" in (ast.get_docstring(n, clean=False) or "")
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    )


def _doctest_conftest(case: Case, src: Source) -> None:
    """A conftest.py at the root of the module's package pushes the app's context: pytest
    imports it before it collects the package's modules and runs their doctests."""
    if case.quart:
        raise PatchError(
            f"{src.rel}: its doctests need a Quart context, which only `async with` pushes; "
            "push one in each doctest"
        )
    parts = (case.project.module_name(src.path) or src.path.stem).split(".")
    conf = src.path.parents[len(parts) - 1] / "conftest.py"
    if conf in case.new_files:
        return
    ref = case.apps.the_project_app(src)
    if ref.factory is not None and ref.factory_import is not None:
        module, name = ref.factory_import
        push = f"{name}().app_context().push()"
    else:
        module, name = ref.import_from or "", ref.name
        push = f"{name}.app_context().push()"
    push += "  # stays pushed while pytest imports and runs the doctests\n"
    why = (
        "# pytest imports this file before it collects the modules for --doctest-modules: their\n"
        "# doctests run code that reads the app's context, so push one for them\n"
    )
    existing = case.project.source(conf) if conf.is_file() else None
    if existing is not None:
        if ".app_context().push()" in existing.text:
            return
        ed = case.edit(existing)
        if not existing.module.body:
            code = f"{why}from {module} import {name}\n\n{push}"
            ed.node(existing.module, lambda m: cst.parse_module(code))
            return
        ed.need(module, name)
        last = existing.stmt_of(existing.module.body[-1])
        ed.insert(last, why + push, after=True, lines_around=1)
    elif conf.exists():
        raise PatchError(f"{conf.name} beside {src.rel} cannot be read")
    else:
        case.new_files[conf] = f"{why}from {module} import {name}\n\n{push}"


def _in_decorators(src: Source, fn: cst.FunctionDef, line: int) -> bool:
    return any(
        src.positions[d].start.line <= line <= src.positions[d].end.line for d in fn.decorators
    )


def _default_arg(case: Case, src: Source, fn: cst.FunctionDef, place: Place) -> None:
    ed = case.edit(src)
    bad = [
        p
        for p in fn.params.params + fn.params.kwonly_params
        if p.default is not None and reads_context(p.default)
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
        idx = next((i for i, d in enumerate(decs) if reads_context(d)), None)
    if idx is None or not reads_context(decs[idx]):
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
    "async-task": fix_async_task,
    "background-thread": _thread,
    "celery-task": _worker_app,
    "cli-command": _cli_command,
    "context-pop-mismatch": fix_pop,
    "import-time": _import_time,
    "interactive-shell": _interactive,
    "no-request": _no_request,
    "non-flask-host": fix_host,
    "pytest-test": fix_test,
    "scheduled-job": _scheduled,
    "socketio-emit": fix_socketio_emit,
    "standalone-script": _script,
    "streaming-response": _streaming,
    "tool-introspection": _tool,
    "task-queue": _worker_app,
    "url-for-no-server-name": _url_for,
}
"""The edit for each bundled cause; a cause missing here gets no patch, and says so."""

QUART_EDITS = frozenset(
    {
        "async-task",
        "background-thread",
        "cli-command",
        "context-pop-mismatch",
        "import-time",
        "pytest-test",
        "standalone-script",
        "tool-introspection",
    }
)
"""Causes whose edit knows Quart (``async with``); the others decline a Quart error."""
