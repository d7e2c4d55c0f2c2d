"""CTX116: Flask-SocketIO's ``emit()`` or ``send()`` runs outside a Socket.IO event handler.

The module-level ``emit()``, ``send()``, ``join_room()``, ``leave_room()``, ``close_room()``,
``rooms()`` and ``disconnect()`` of ``flask_socketio`` answer the event being handled: they read
``request.namespace`` and ``request.sid``, which Flask-SocketIO sets only inside an
``@socketio.on(...)`` handler. Called in an HTTP route (or a function a route calls) they fail
with ``AttributeError: 'Request' object has no attribute 'namespace'`` (or ``'sid'``); in a
background task, a thread, a Celery task or a script, with "Working outside of request context",
even under ``with app.app_context():``. The server's own ``socketio.emit(...)`` and
``socketio.send(...)`` need neither: use them there, and say whom to send to with ``to=``. A call
that passes ``namespace=`` and ``to=`` (or ``broadcast=True``) reads nothing off the event and is
not reported in a route; in a thread it still needs an app context to find the server.
Handlers registered with ``@socketio.on``, ``@socketio.event``, ``socketio.on_event(...)`` or as
``on_<event>`` methods of a ``Namespace``, and helpers only they call, are left alone.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Optional

from .. import catalog
from ..entries import call_name
from ..findings import Rule, ScanFinding
from ..model import APP, REQUEST, Function, Module, Site
from ..project import Project

BUG = """\
from flask import Flask, jsonify, request
from flask_socketio import SocketIO, emit

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


@app.post("/orders")
def place_order():
    order = {"id": 42, "item": request.json["item"]}
    emit("new-order", order)
    return jsonify(order), 201
"""

TWIN = """\
from flask import Flask, jsonify, request
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


@app.post("/orders")
def place_order():
    order = {"id": 42, "item": request.json["item"]}
    socketio.emit("new-order", order)
    return jsonify(order), 201
"""

RULE = Rule(
    "CTX116",
    "socketio-emit-outside-handler",
    "socketio-emit",
    "Flask-SocketIO's emit() or send() runs outside a Socket.IO event handler.",
    None,
    BUG,
    TWIN,
)

# How each kind of entry point is named in a message.
_STARTS = {
    "module": "the module's top level",
    "main": "the script entry point",
    "factory": "app factory `{name}`",
    "stream": "streamed generator `{name}`",
    "stream-view": "streamed view `{name}`",
    "thread-class": "thread class `{name}`",
    "spawn": "{what} target `{name}`",
    "job": "scheduled job `{name}`",
    "queue-job": "{what} `{name}`",
    "celery-task": "Celery task `{name}`",
    "celery-signal": "Celery signal handler `{name}`",
    "command": "click command `{name}`",
    "argparse": "argparse command `{name}`",
}


class _Start(NamedTuple):
    fn: Function
    level: int
    route: bool  # an HTTP view: a request, but no Socket.IO event
    label: str


_NAMES = {q.rsplit(".", 1)[-1] for q in catalog.EVENT_CALLS}


def check(project: Project) -> Iterator[ScanFinding]:
    if not any(_event_call(project, site) for _m, _fn, site in project.sites()):
        return  # no call of these anywhere: nothing to follow
    handlers = _handlers(project)
    reported: set[tuple[str, int, int]] = set()
    for start in _starts(project, handlers):
        for module, site, call, via, level in _event_calls(project, start, handlers):
            key = (module.path, site.line, site.col)
            if key in reported:
                continue
            message = _message(start, call, site, via, level)
            if message is not None:
                reported.add(key)
                yield project.finding(RULE.code, module, site.line, site.col, message)


def _message(start: _Start, qual: str, site: Site, via: tuple, level: int) -> Optional[str]:
    spec = catalog.EVENT_CALLS[qual]
    missing = _missing(spec, site)
    if missing is None:
        return None  # `**options` may give anything
    name = f"flask_socketio's `{qual.rsplit('.', 1)[-1]}()`"
    where = start.label + (f" (through `{via[0]}()`)" if via else "")
    if spec.server is not None:
        fix = f"call the server's `socketio.{spec.server}(...)` and say whom it is for with `to=`"
    else:
        fix = "pass " + " and ".join(f"`{group[0]}=`" for group in spec.given)
    if missing:
        if start.route:
            read = "namespace" if "namespace" in missing[0] else "sid"
            return (
                f"{name} answers the Socket.IO event being handled, but it runs in {where}, "
                f"which has none: it fails on `request.{read}`; {fix}"
            )
        if level >= REQUEST:
            return None  # guarded, or a request context of its own: left alone
        return (
            f"{name} answers the Socket.IO event being handled, but it runs in {where}, which "
            f"has none (nor a request context); {fix}"
        )
    if start.route or level >= APP:
        return None
    if spec.server is None:
        fix = "push `app.app_context()` around it"
    return (
        f"{name} finds the SocketIO server through the app context, but it runs in {where} with "
        f"none; {fix}"
    )


def _missing(spec: catalog.EventCall, site: Site) -> Optional[list[tuple[str, ...]]]:
    """The groups of arguments the call does not give (their values are read off the event);
    None when ``**options`` may give any of them."""
    given: set[str] = set()
    for key, value in site.kwargs:
        if key == "**":
            return None
        if key in spec.present or value not in (("const", None), ("const", False)):
            given.add(key)
    for i, value in enumerate(site.args):
        if i < len(spec.params) and value not in (("const", None), ("const", False)):
            given.add(spec.params[i])
    return [group for group in spec.given if not given & set(group)]


def _event_call(project: Project, site: Site) -> Optional[str]:
    """The qualified name of the flask_socketio function a call calls, if it is one."""
    if call_name(site.func) not in _NAMES:
        return None
    value = project.target_value(site.func)
    if value is not None and value[0] == "ext" and value[1] in catalog.EVENT_CALLS:
        return value[1]
    return None


def _handlers(project: Project) -> set[str]:
    """Socket.IO event handlers: decorated, registered with ``on_event``, or ``Namespace``
    methods."""
    out: set[str] = set()
    for fn in project.functions.values():
        for d in fn.decorators:
            func = d[1] if d is not None and d[0] == "call" else d
            if _is_method(func) and call_name(func) in catalog.EVENT_DECORATORS:
                out.add(fn.qualname)
    for _m, _fn, site in project.sites():
        if call_name(site.func) == catalog.EVENT_REGISTER and _is_method(site.func):
            target = site.args[1] if len(site.args) > 1 else project.kwarg(site, "handler")
            resolved = project.function_target(target)
            if resolved is not None:
                out.add(resolved[0].qualname)
    for k in project.classes.values():
        if catalog.EVENT_NAMESPACE in project.ext_bases(k):
            for cur in project.mro(k):
                for name, qual in cur.methods.items():
                    if name.startswith(catalog.EVENT_METHOD_PREFIX):
                        out.add(qual)
    return out


def _is_method(func: Optional[tuple]) -> bool:
    return func is not None and (func[0] == "attr" or (func[0] == "chain" and bool(func[2])))


def _starts(project: Project, handlers: set[str]) -> list[_Start]:
    """Where code runs with no Socket.IO event: HTTP routes and every other entry point."""
    out: list[_Start] = []
    for m in project.modules.values():
        for fn in m.functions.values():
            if fn.qualname not in handlers and project.is_view(fn):
                name = f"{fn.cls.rsplit('.', 1)[-1]}.{fn.name}" if fn.cls else fn.name
                out.append(_Start(fn, REQUEST, True, f"HTTP route `{name}`"))
    for e in project.entries():
        if e.fn.qualname in handlers:
            continue
        label = _STARTS.get(e.kind, "`{name}`").format(
            name=e.name, what=e.detail.get("what", "thread")
        )
        level = max(e.level, project.decorated_level(e.fn))
        out.append(_Start(e.fn, level, False, label))
    return out


def _event_calls(
    project: Project, start: _Start, handlers: set[str]
) -> Iterator[tuple[Module, Site, str, tuple, int]]:
    """The event calls ``start`` makes, itself or in the project functions it calls:
    (module, site, qualified name, the call chain, the context level there)."""
    skip = project.not_followed()
    seen: set[tuple[str, int]] = set()
    stack: list[tuple[Function, int, tuple]] = [(start.fn, start.level, ())]
    while stack and len(seen) < 500:
        fn, level, via = stack.pop()
        if (fn.qualname, level) in seen:
            continue
        seen.add((fn.qualname, level))
        module = project.owner.get(fn.qualname)
        if module is None:
            continue
        for site in fn.sites:
            qual = _event_call(project, site)
            if qual is not None:
                yield module, site, qual, via, max(level, site.level)
        for callee, _line, _col, site_level, _falsy, _given in project.direct(fn)[1]:
            q = callee.qualname
            if callee is fn or q in handlers or q in skip:
                continue
            if start.route or max(level, site_level) < REQUEST:
                stack.append((callee, max(level, site_level), via or (callee.name,)))
