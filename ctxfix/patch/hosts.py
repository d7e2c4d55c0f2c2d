"""The non-flask-host edit: the code another host calls pushes the app's context itself.

Flask pushes its contexts in ``Flask.wsgi_app`` (flask/app.py 0.x-3.x); a WSGI middleware
assigned to ``app.wsgi_app``, Connexion 3's security and validation middleware (run before the
request reaches Flask) and other frameworks call the user's code outside that. The code the host
calls (the frames after the host's last frame) runs under ``with app.app_context():`` with the
app in reach there (a module-level app, Connexion's ``FlaskApp().app``); the statements that
hand the request on to the app (``self.wsgi_app(environ, start_response)``) stay outside, so
Flask still pushes its own context for the request. A middleware class with no app in reach is
handed the app where it is made, ``Middleware(app, app.wsgi_app)``, the one line outside the
traceback's files this edit changes.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ctxfix.patch.case import Case, push_context, rest_end
from ctxfix.patch.edits import free_name, is_docstring
from ctxfix.patch.source import (
    PatchError,
    Place,
    Source,
    Stmt,
    callee,
    calls_in,
    dotted,
    imports_of,
    param_names,
    uses_name,
)

# Names a WSGI (PEP 3333) or ASGI middleware hands the request on to the app with.
_HAND_ON = ("start_response", "receive", "send")


def fix_host(case: Case) -> None:
    hosted = _hosted(case)
    for place in hosted:
        src, st = case.stmt(place)
        ref = case.apps.find(src, st, allow_factory=False)
        if ref is not None and ref.bind is None and ref.factory is None:
            if ref.import_from is not None:
                case.edit(src).need(ref.import_from, ref.name)
            _push_here(case, src, st, ref.name)
            return
    _hand_app_to_middleware(case, hosted[0])


def _hosted(case: Case) -> list[Place]:
    """The user's frames the host called, outermost first: those after the last frame of a
    library (the host) before the failing one."""
    mine = {p.index for p in case.places}
    inner = case.innermost.index
    boundary = max((i for i in range(inner) if i not in mine), default=-1)
    return [p for p in case.places if p.index > boundary] or [case.innermost]


def _push_here(case: Case, src: Source, st: Stmt, app: str) -> None:
    where = f"{src.rel}:{src.line_of(st.node)}"
    method = "app_context"
    if case.needs_request():
        fn = st.function
        if fn is None or "environ" not in param_names(fn):
            raise PatchError(
                f"{where}: the host's request is not Flask's; read what the code needs from the "
                "host's own arguments, see `ctxfix show non-flask-host`"
            )
        method = "request_context"
    last = rest_end(st)
    for j in range(st.index, last + 1):
        if any(uses_name(st.block.body[j], n) for n in _HAND_ON):
            last = j - 1
            break
    if last < st.index:
        raise PatchError(
            f"{where}: the line hands the request on to the app and needs the context too; "
            "split it, so the context is pushed only around your part"
        )
    if method == "request_context":
        case.edit(src).wrap(st, last, f"{app}.request_context(environ)")
        return
    push_context(case, src, st, last, app, method)


def _hand_app_to_middleware(case: Case, place: Place) -> None:
    """``class M: __init__(self, wsgi_app); __call__(self, environ, start_response)``: M is
    given the app where it is made, keeps it, and pushes its context in ``__call__``."""
    src, st = case.stmt(place)
    fn = st.function
    cls = next((s for s in reversed(st.scopes) if isinstance(s, cst.ClassDef)), None)
    files = ", ".join(dict.fromkeys(p.rel for p in _hosted(case)))
    if cls is None or fn is None or fn.name.value != "__call__":
        raise PatchError(f"no Flask app is in reach in {files}; hand the app to the code there")
    init = next(
        (m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m.name.value == "__init__"),
        None,
    )
    name = cls.name.value
    if init is None or not isinstance(init.body, cst.IndentedBlock):
        raise PatchError(f"{src.rel}: {name} has no __init__ to hand the app to")
    sites = _made(case, src, name)
    if len(sites) != 1:
        raise PatchError(
            f"{src.rel}: {name} is made in {len(sites) or 'no'} places ctxfix can find; hand it "
            "the app where it is made and push app.app_context() in __call__"
        )
    site_src, call = sites[0]
    app = _wrapped_app(call)
    if app is None:
        raise PatchError(
            f"{site_src.rel}:{site_src.line_of(call)}: cannot tell which app {name} wraps"
        )
    attr = "app" if not uses_name(cls, "app") else free_name(cls, "flask_app", "wrapped_app")
    param = attr
    ed = case.edit(src)
    ed.add_first_param(init, param)
    body = list(init.body.body)
    first = body[1] if len(body) > 1 and is_docstring(body[0]) else body[0]
    ed.insert(src.stmt_of(first), f"self.{attr} = {param}  # the real app, to push its context\n")
    _push_here(case, src, st, f"self.{attr}")

    def handed(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        arg = cst.Arg(
            cst.parse_expression(app), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        return n.with_changes(args=[arg, *n.args])

    case.edit(site_src).node(call, handed)


def _made(case: Case, src: Source, name: str) -> list[tuple[Source, cst.Call]]:
    """Calls that make the class ``name`` (defined in ``src``), anywhere in the project."""
    module = case.project.module_name(src.path) or src.path.stem
    out: list[tuple[Source, cst.Call]] = []
    for path in case.project.py_files():
        try:
            if name not in path.read_text(encoding="utf-8"):
                continue
        except (OSError, UnicodeDecodeError):
            continue
        other = case.project.source(path)
        if other is None:
            continue
        imports = imports_of(other.module)
        for call in calls_in(other.module):
            made = callee(call) or ""
            head, _, last = made.rpartition(".")
            if last != name:
                continue
            here = other.path.resolve() == src.path.resolve() and not head
            imported = not head and imports.get(name, ("", "", -1))[0].endswith(
                module.rsplit(".", 1)[-1]
            )
            qualified = bool(head) and module.endswith(head.split(".")[-1])
            if here or imported or qualified:
                out.append((other, call))
    return out


def _wrapped_app(call: cst.Call) -> Optional[str]:
    """``app`` for ``Middleware(app.wsgi_app, ...)``: the app whose wsgi_app it wraps."""
    for a in call.args:
        value = a.value
        if isinstance(value, cst.Attribute) and value.attr.value == "wsgi_app":
            return dotted(value.value)
    return None
