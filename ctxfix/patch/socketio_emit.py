"""The socketio-emit edit: flask_socketio's emit() and send() outside an event handler become the
server's own methods, ``socketio.emit()`` and ``socketio.send()``, told whom to send to.

flask_socketio/__init__.py (5.0-5.7): the module-level ``emit``/``send`` read
``flask.request.namespace`` and, with no ``to=`` and no ``broadcast=True``, ``flask.request.sid``
(the client whose event is being handled); ``SocketIO.emit``/``send`` need neither, default to
the "/" namespace and send to every client when ``to`` is not given. So: ``broadcast`` goes,
``to=``/``room=``/``namespace=`` stay, and a background task an event handler started gets that
client's sid passed in (``request.sid``, read while the event is handled) and sends ``to=`` it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import libcst as cst

from ctxfix.patch.case import POSITIONAL_STARTERS, Case, callers
from ctxfix.patch.edits import Edit, free_name
from ctxfix.patch.source import (
    PatchError,
    Source,
    Stmt,
    assigned_names,
    callee,
    code_of,
    dotted,
    imports_of,
)

_SENDERS = ("emit", "send")
_ROOM_FUNCTIONS = ("join_room", "leave_room", "close_room", "rooms", "disconnect")


def fix_socketio_emit(case: Case) -> None:
    place = case.innermost
    src, st = case.stmt(place)
    where = f"{place.rel}:{place.line}"
    call, kind = _module_call(src, st, place.line)
    if call is None or kind in _ROOM_FUNCTIONS:
        what = f"{kind}()" if kind else "the flask_socketio call"
        raise PatchError(
            f"{where}: {what} acts for the client whose event is being handled, and there is "
            "none here; see `ctxfix show socketio-emit`"
        )
    ed = case.edit(src)
    server = _server(case, src, st)
    kw = {a.keyword.value: a for a in call.args if a.keyword is not None}
    broadcast = kw.get("broadcast")
    if broadcast is not None and code_of(broadcast.value) not in ("True", "False"):
        raise PatchError(f"{where}: cannot tell whether {kind}() broadcasts")
    to_everyone = broadcast is not None and code_of(broadcast.value) == "True"
    sid: Optional[str] = None
    namespace: Optional[cst.BaseExpression] = None
    if not to_everyone and "to" not in kw and "room" not in kw:
        sid, namespace = _pass_sid(case, src, st, ed)
    local = dotted(call.func) or kind

    def server_call(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        args: list[cst.Arg] = []
        for a in n.args:
            key = a.keyword.value if a.keyword is not None else None
            if key == "broadcast":
                continue
            if key == "include_self":
                if code_of(a.value) == "False" and sid is not None:
                    args.append(_kwarg("skip_sid", sid))
                continue
            args.append(a)
        if sid is not None:
            args.append(_kwarg("to", sid))
        if namespace is not None and "namespace" not in kw:
            args.append(_kwarg("namespace", code_of(namespace)))
        last_comma = n.args[-1].comma if n.args else cst.MaybeSentinel.DEFAULT
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args = [
            a.with_changes(comma=comma) if a.comma is cst.MaybeSentinel.DEFAULT else a
            for a in args[:-1]
        ] + [args[-1].with_changes(comma=last_comma)]
        return n.with_changes(func=cst.parse_expression(f"{server}.{kind}"), args=args)

    ed.node(call, server_call)
    ed.fit_call(call)
    ed.drop_import_if_unused(local.split(".")[0])


def _kwarg(key: str, value: str) -> cst.Arg:
    return cst.Arg(
        cst.parse_expression(value),
        keyword=cst.Name(key),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _module_call(src: Source, st: Stmt, line: int) -> tuple[Optional[cst.Call], str]:
    """The call of a flask_socketio function on the frame's line, and that function's name."""
    imports = imports_of(src.module)
    found: list[tuple[cst.Call, str]] = []
    for node in src.calls_on(st.node, line):
        head, _, rest = (dotted(node.func) or "").partition(".")
        imp = imports.get(head)
        if imp is None:
            continue
        mod, real, _level = imp
        if not rest and mod == "flask_socketio":
            found.append((node, real))
        elif rest and (mod == "flask_socketio" or f"{mod}.{real}" == "flask_socketio"):
            found.append((node, rest))
    for node, name in found:
        if name in _SENDERS or name in _ROOM_FUNCTIONS:
            return node, name
    return None, ""


# ---------------------------------------------------------------------------------------------
# The SocketIO object


def _server(case: Case, src: Source, st: Stmt) -> str:
    """The name of the user's SocketIO object at ``st``, imported if need be."""
    for scope in reversed(st.scopes):  # one made in the function around it (create_app)
        if isinstance(scope, cst.FunctionDef):
            local = [
                n
                for s in src.stmts_in(scope)
                for n, v in assigned_names(s.node)
                if _makes_server(v)
            ]
            if len(set(local)) == 1:
                return local[0]
    here = [n for s in src.module.body for n, v in assigned_names(s) if _makes_server(v)]
    if len(set(here)) == 1:
        return here[0]
    if len(set(here)) > 1:
        raise PatchError(f"{src.rel}: several SocketIO objects ({', '.join(sorted(set(here)))})")
    imported = []
    for local, (mod, name, level) in imports_of(src.module).items():
        if level < 0:
            continue
        path = case.project.module_file(mod, near=src.path, level=level)
        if path is not None and name in _servers_in(path):
            imported.append(local)
    if len(imported) == 1:
        return imported[0]
    made = [
        (case.project.module_name(path), name)
        for path in case.project.py_files()
        for name in _servers_in(path)
    ]
    made = [(m, n) for m, n in made if m]
    if len(made) != 1:
        what = ", ".join(f"{m}.{n}" for m, n in made) or "none found"
        raise PatchError(f"{src.rel}: cannot tell which SocketIO object to send with ({what})")
    module, name = made[0]
    assert module is not None
    path = case.project.module_file(module)
    mine = case.project.module_name(src.path) or src.path.stem
    ed = case.edit(src)
    if path is not None and _imports_module(path, mine):
        fn = st.function
        if fn is None:
            raise PatchError(f"{src.rel}: {module} imports this module; cannot import {name}")
        body = list(fn.body.body)
        first = 1 if len(body) > 1 and code_of(body[0]).lstrip().startswith(('"', "'")) else 0
        ed.insert(
            src.stmt_of(body[first]),
            f"from {module} import {name}  # here, not at the top: no import cycle\n",
        )
    else:
        ed.need(module, name)
    return name


def _makes_server(value: cst.BaseExpression) -> bool:
    return (callee(value) or "").rsplit(".", 1)[-1] == "SocketIO"


def _servers_in(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    out = []
    for st in tree.body:
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call):
            f = st.value.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name == "SocketIO":
                out += [t.id for t in st.targets if isinstance(t, ast.Name)]
    return out


def _imports_module(path: Path, module: str) -> bool:
    """The module at ``path`` imports ``module`` when it is imported (an import cycle)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    last = module.rsplit(".", 1)[-1]
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name == module for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom):
            if (node.module or "") in (module, last) or any(a.name == last for a in node.names):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# The client's sid, handed to the task an event handler started


def _pass_sid(
    case: Case, src: Source, st: Stmt, ed: Edit
) -> tuple[Optional[str], Optional[cst.BaseExpression]]:
    """When the function that emits was started by Socket.IO event handlers: a ``sid`` parameter,
    ``request.sid`` passed where they start it, and their namespace. (None, None) when no event
    started it: the server's emit then goes to every client, as the cause's fix says."""
    fn = st.function
    if fn is None:
        return None, None
    name = fn.name.value
    sites = [(call, site) for call, site in callers(src, name) if _starter(call)]
    handlers = [(call, *_event_handler(site)) for call, site in sites]
    in_events = [(call, namespace) for call, is_handler, namespace in handlers if is_handler]
    where = f"{src.rel}:{src.line_of(fn)}"
    if in_events and len(in_events) != len(handlers):
        raise PatchError(
            f"{where}: {name}() is started both by Socket.IO events and elsewhere; say whom to "
            "send to with socketio.emit(..., to=...)"
        )
    if not in_events:
        for outer in case.places[:-1]:
            o_src, o_st = case.stmt(outer)
            if o_st.function is not None and any(
                _event_handler(site)[0]
                for call, site in callers(o_src, o_st.function.name.value)
                if _starter(call)
            ):
                raise PatchError(
                    f"{where}: the sid of the client whose event started {outer.function}() "
                    f"must be passed down to {name}(); send with socketio.emit(..., to=sid)"
                )
        return None, None
    namespaces = {code_of(ns) if ns is not None else "" for _, ns in in_events}
    if len(namespaces) > 1:
        raise PatchError(f"{where}: {name}() is started from events of several namespaces")
    p = fn.params
    if p.star_arg is not cst.MaybeSentinel.DEFAULT or p.kwonly_params or p.star_kwarg:
        raise PatchError(f"{where}: cannot add the client's sid to {name}()'s parameters")
    if any(x.default is not None for x in p.params):
        raise PatchError(f"{where}: cannot add the client's sid after {name}()'s defaults")
    sid = free_name(fn, "sid", "client_sid")

    def with_sid(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.FunctionDef)
        params = list(n.params.params)
        if params:
            params[-1] = params[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        params.append(cst.Param(cst.Name(sid)))
        return n.with_changes(params=n.params.with_changes(params=params))

    ed.node(fn, with_sid)
    for call, _ in in_events:
        ed.node(call, lambda n: _pass_last(n, "request.sid"))
        ed.fit_call(call)
    ed.need("flask", "request")
    return sid, in_events[0][1]


def _starter(call: cst.Call) -> bool:
    last = (callee(call) or "").rsplit(".", 1)[-1]
    return last in POSITIONAL_STARTERS or last == "Thread"


def _event_handler(site: Stmt) -> tuple[bool, Optional[cst.BaseExpression]]:
    """Whether the code is in a Socket.IO event handler (``@socketio.on(...)``,
    ``@socketio.event``), and the handler's ``namespace=`` if it names one."""
    fn = site.function
    if fn is None:
        return False, None
    for d in fn.decorators:
        dec = d.decorator
        name = dotted(dec.func if isinstance(dec, cst.Call) else dec) or ""
        if name.rsplit(".", 1)[-1] in ("on", "event") and "." in name:
            for a in dec.args if isinstance(dec, cst.Call) else ():
                if a.keyword is not None and a.keyword.value == "namespace":
                    return True, a.value
            return True, None
    return False, None


def _pass_last(n: cst.CSTNode, value: str) -> cst.CSTNode:
    """The starter call passes ``value`` as the function's last positional argument."""
    assert isinstance(n, cst.Call)
    args = list(n.args)
    kw = {a.keyword.value: i for i, a in enumerate(args) if a.keyword is not None}
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if "target" in kw:  # Thread(target=fn, args=(...))
        if "args" not in kw:
            args[-1] = args[-1].with_changes(comma=comma)
            args.append(_kwarg("args", f"({value},)"))
            return n.with_changes(args=args)
        i = kw["args"]
        tup = args[i].value
        if isinstance(tup, (cst.Tuple, cst.List)):
            elems = list(tup.elements)
            if elems:
                elems[-1] = elems[-1].with_changes(comma=comma)
            new = cst.Element(cst.parse_expression(value))
            if isinstance(tup, cst.Tuple) and not elems:
                new = new.with_changes(comma=cst.Comma())
            args[i] = args[i].with_changes(value=tup.with_changes(elements=[*elems, new]))
        else:
            args[i] = args[i].with_changes(
                value=cst.parse_expression(f"(*{code_of(tup)}, {value})")
            )
        return n.with_changes(args=args)
    at = min(kw.values()) if kw else len(args)
    new_arg = cst.Arg(cst.parse_expression(value))
    if at < len(args):
        new_arg = new_arg.with_changes(comma=comma)
    elif args:
        args[-1] = args[-1].with_changes(comma=comma)
    args.insert(at, new_arg)
    return n.with_changes(args=args)
