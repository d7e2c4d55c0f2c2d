"""What needs a Flask context, and what runs code elsewhere: the scanner's knowledge, as data.

Every entry names a qualified name (``flask.current_app``, ``flask_sqlalchemy.SQLAlchemy``) as
the library defines it, and the library source it was read from. A new extension is a new entry
here; the semantic model and the rules read these tables and name no library themselves.

Versions read: Flask 3.1.3 and Werkzeug 3.1.8 (the installed test dependencies), Flask-SQLAlchemy
3.1.1, Flask-Caching 2.5.1, Flask-Babel 4.0.0, Flask-Mail 0.10.0, Flask-Login 0.6.3, Flask-RQ2 18.3,
rq 3.0.0, huey 3.5.4, dramatiq 2.2.1, Flask-Melodramatiq 1.0.2, Celery 5.x, APScheduler 3.x,
Quart 0.22.0, Flask-SocketIO 5.7.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# How much context a use needs. SERVER_NAME is `url_for` in an app context with no request:
# it works only when the app sets SERVER_NAME (flask/app.py Flask.url_for, 2.2+).
NONE, APP, REQUEST = 0, 1, 2

# How a name needs its context:
PROXY = "proxy"  # any use of its value: an attribute, a subscript, a call, iteration, str()...
CALL = "call"  # calling it (a function or a method); naming or passing it is free
READ = "read"  # reading it at all (a property that looks the app up)


@dataclass(frozen=True)
class Need:
    level: int
    how: str
    source: str


_GLOBALS = "flask/globals.py: LocalProxy over the context variables"
_APP_CALL = "calls current_app (flask/helpers.py, flask/templating.py, flask/json/__init__.py)"
_QUART_GLOBALS = "quart/globals.py: LocalProxy over the context variables"
_QUART_APP_CALL = "awaits current_app (quart/helpers.py, quart/templating.py)"

# Module-level names (qualified) that need a context.
NAMES: dict[str, Need] = {
    "flask.current_app": Need(APP, PROXY, _GLOBALS),
    "flask.g": Need(APP, PROXY, _GLOBALS),
    "flask.request": Need(REQUEST, PROXY, _GLOBALS),
    "flask.session": Need(REQUEST, PROXY, _GLOBALS),
    "flask.url_for": Need(APP, CALL, "flask/helpers.py url_for -> current_app.url_for"),
    "flask.render_template": Need(APP, CALL, _APP_CALL),
    "flask.render_template_string": Need(APP, CALL, _APP_CALL),
    "flask.stream_template": Need(APP, CALL, _APP_CALL),
    "flask.stream_template_string": Need(APP, CALL, _APP_CALL),
    "flask.jsonify": Need(APP, CALL, _APP_CALL),
    "flask.make_response": Need(APP, CALL, _APP_CALL),
    "flask.flash": Need(REQUEST, CALL, "flask/helpers.py flash reads session"),
    "flask.get_flashed_messages": Need(REQUEST, CALL, "flask/helpers.py reads request_ctx"),
    "flask.send_file": Need(REQUEST, CALL, "flask/helpers.py send_file reads request.environ"),
    "flask.send_from_directory": Need(REQUEST, CALL, "flask/helpers.py reads request.environ"),
    "flask_babel.get_babel": Need(
        APP, CALL, "flask_babel/__init__.py get_babel: app or current_app"
    ),
    # Quart keeps the same names in its own context variables. Its helpers are coroutines:
    # calling one only makes the coroutine, but it is always awaited right there.
    "quart.current_app": Need(APP, PROXY, _QUART_GLOBALS),
    "quart.g": Need(APP, PROXY, _QUART_GLOBALS),
    "quart.request": Need(REQUEST, PROXY, _QUART_GLOBALS),
    "quart.websocket": Need(REQUEST, PROXY, _QUART_GLOBALS + " (a websocket context)"),
    "quart.session": Need(REQUEST, PROXY, "quart/globals.py _session_lookup: request or websocket"),
    "quart.url_for": Need(APP, CALL, "quart/helpers.py url_for -> current_app.url_for"),
    "quart.render_template": Need(APP, CALL, _QUART_APP_CALL),
    "quart.render_template_string": Need(APP, CALL, _QUART_APP_CALL),
    "quart.stream_template": Need(APP, CALL, _QUART_APP_CALL),
    "quart.stream_template_string": Need(APP, CALL, _QUART_APP_CALL),
    "quart.make_response": Need(APP, CALL, _QUART_APP_CALL),
    "quart.jsonify": Need(APP, CALL, "quart/json/__init__.py jsonify -> current_app.json"),
    "quart.send_file": Need(APP, CALL, "quart/helpers.py send_file -> current_app"),
    "quart.send_from_directory": Need(APP, CALL, "quart/helpers.py -> send_file"),
    "quart.get_template_attribute": Need(APP, CALL, "quart/helpers.py -> current_app"),
    "quart.flash": Need(REQUEST, CALL, "quart/helpers.py flash reads session"),
    "quart.get_flashed_messages": Need(REQUEST, CALL, "quart/helpers.py reads request_ctx"),
}

# Modules that re-export the names above under another path.
MODULE_ALIASES: dict[str, str] = {
    "flask.globals": "flask",
    "flask.helpers": "flask",
    "flask.templating": "flask",
    "flask.json": "flask",
    "quart.globals": "quart",
    "quart.helpers": "quart",
    "quart.templating": "quart",
    "quart.json": "quart",
    "quart.ctx": "quart",
}

# The url_for that needs a request or SERVER_NAME once an app context is there.
URL_FOR = "flask.url_for"

# Calling these pushes a context for the block under `with`, or for the rest of the block after
# `.push()` (flask/app.py app_context, test_request_context, request_context; Quart's under
# `async with` and after `await ctx.push()`, quart/app.py and quart/ctx.py).
PUSHERS: dict[str, int] = {
    "app_context": APP,
    "test_request_context": REQUEST,
    "request_context": REQUEST,
    # A copy of the current request context (flask/ctx.py RequestContext.copy, quart/ctx.py),
    # pushed in another thread or greenlet: what copy_current_request_context does.
    "copy": REQUEST,
}

# Calls whose truth tells whether a context is there; code they guard is left alone.
GUARDS = {
    "flask.has_app_context",
    "flask.has_request_context",
    "quart.has_app_context",
    "quart.has_request_context",
    "quart.has_websocket_context",
}

# Wrappers that carry a context along with a function or a generator (quart/ctx.py copy_*,
# quart/helpers.py stream_with_context: Quart's wrap coroutine functions and async generators).
CARRY_REQUEST = {
    "flask.copy_current_request_context",
    "flask.stream_with_context",
    "quart.copy_current_app_context",
    "quart.copy_current_request_context",
    "quart.copy_current_websocket_context",
    "quart.stream_with_context",
}
PARTIAL = "functools.partial"
APP_CONTEXT_DECORATORS = {"flask.cli.with_appcontext", "quart.cli.with_appcontext"}

# The classes that make an app (calling one marks a factory or a module that builds the app).
APP_CLASSES = {"flask.Flask", "quart.Quart"}
FACTORY_NAMES = {"create_app", "make_app", "app_factory"}
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
# `app.add_url_rule(rule, endpoint, view_func)` (flask/sansio/scaffold.py, Quart's the same), and
# the class-based views whose methods handle requests (flask/views.py View.dispatch_request,
# MethodView: a method per HTTP verb; quart/views.py).
ADD_URL_RULE = "add_url_rule"
VIEW_CLASSES = {
    "flask.views.View",
    "flask.views.MethodView",
    "quart.views.View",
    "quart.views.MethodView",
}
VIEW_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
RESPONSES = {
    "flask.Response",
    "werkzeug.wrappers.Response",
    "werkzeug.Response",
    "quart.Response",
    "quart.wrappers.Response",
}
RESPONSE_ATTRS = {"response_class", "Response"}

# Instances: the qualified name of a class -> the kind of instance it makes.
CONSTRUCTORS: dict[str, str] = {
    "flask.Flask": "app",
    "quart.Quart": "quart-app",
    "quart.Blueprint": "quart-blueprint",
    "quart.blueprints.Blueprint": "quart-blueprint",
    "flask_sqlalchemy.SQLAlchemy": "sqlalchemy",
    "flask_caching.Cache": "cache",
    "flask_babel.Babel": "babel",
    "flask_mail.Mail": "mail",
    "celery.Celery": "celery",
    "concurrent.futures.ThreadPoolExecutor": "executor",
    "concurrent.futures.ProcessPoolExecutor": "executor",
    "concurrent.futures.thread.ThreadPoolExecutor": "executor",
    "multiprocessing.pool.ThreadPool": "executor",
    "multiprocessing.pool.Pool": "executor",
    "multiprocessing.Pool": "executor",
    "gevent.pool.Pool": "executor",
    "gevent.pool.Group": "executor",
    "apscheduler.schedulers.background.BackgroundScheduler": "scheduler",
    "apscheduler.schedulers.blocking.BlockingScheduler": "scheduler",
    "apscheduler.schedulers.asyncio.AsyncIOScheduler": "scheduler",
    "apscheduler.schedulers.gevent.GeventScheduler": "scheduler",
    "apscheduler.schedulers.tornado.TornadoScheduler": "scheduler",
    "flask_apscheduler.APScheduler": "flask-scheduler",
    "rq.Queue": "rq-queue",
    "rq.queue.Queue": "rq-queue",
    "flask_rq2.RQ": "flask-rq2",
    "huey.Huey": "huey",
    "huey.RedisHuey": "huey",
    "huey.PriorityRedisHuey": "huey",
    "huey.RedisExpireHuey": "huey",
    "huey.SqliteHuey": "huey",
    "huey.MemoryHuey": "huey",
    "huey.FileHuey": "huey",
    "flask.cli.AppGroup": "app-group",
    "flask.cli.FlaskGroup": "app-group",
    "flask_socketio.SocketIO": "socketio",
    # Quart's AppGroup wraps a command in with_appcontext only when `command()` is given
    # `with_appcontext=True` (quart/cli.py AppGroup.command); a Quart app's `cli` is one.
    "quart.cli.AppGroup": "quart-app-group",
    "click.Group": "click-group",
    "click.core.Group": "click-group",
    "argparse.ArgumentParser": "argparse",
}

# Kinds whose instance made with the app (`Cache(app)`) keeps it and needs no context:
# flask_caching/__init__.py Cache.cache (`current_app or self.app`). A kind made without it
# becomes "<kind>:lazy". (Flask-Mail is not one: Connection.send reads
# `current_app._get_current_object()` whatever the Mail was made with, flask_mail 0.10.0.)
KEEPS_APP = {"cache"}


@dataclass(frozen=True)
class Member:
    level: int
    how: str
    source: str


_FSA = "flask_sqlalchemy/extension.py (3.x)"
_CACHE = "flask_caching/__init__.py Cache.cache: current_app or self.app"
# Members of an instance kind that need a context.
MEMBERS: dict[tuple[str, str], Member] = {
    # db.session is a scoped_session made in __init__: naming or passing it is free, using it
    # resolves the session for the current app context (flask_sqlalchemy/session.py _app_ctx_id).
    ("sqlalchemy", "session"): Member(APP, PROXY, "flask_sqlalchemy/session.py _app_ctx_id"),
    ("sqlalchemy", "engine"): Member(APP, READ, _FSA + " engine -> engines -> current_app"),
    ("sqlalchemy", "engines"): Member(APP, READ, _FSA + " engines -> current_app"),
    ("sqlalchemy", "create_all"): Member(APP, CALL, _FSA + " _call_for_binds -> engines"),
    ("sqlalchemy", "drop_all"): Member(APP, CALL, _FSA + " _call_for_binds -> engines"),
    ("sqlalchemy", "reflect"): Member(APP, CALL, _FSA + " _call_for_binds -> engines"),
    ("sqlalchemy", "get_engine"): Member(APP, CALL, _FSA + " get_engine -> engines"),
    ("sqlalchemy", "paginate"): Member(APP, CALL, _FSA + " paginate -> session"),
    ("sqlalchemy", "get_or_404"): Member(APP, CALL, _FSA + " get_or_404 -> session"),
    ("sqlalchemy", "first_or_404"): Member(APP, CALL, _FSA + " first_or_404 -> session"),
    ("sqlalchemy", "one_or_404"): Member(APP, CALL, _FSA + " one_or_404 -> session"),
    ("babel", "list_translations"): Member(
        APP, CALL, "flask_babel/__init__.py list_translations -> get_babel() -> current_app"
    ),
    ("mail", "send"): Member(APP, CALL, "flask_mail Mail.send -> Connection.send -> current_app"),
    ("mail", "send_message"): Member(APP, CALL, "flask_mail send_message -> send"),
    ("mail", "connect"): Member(APP, CALL, "flask_mail Mail.connect -> current_app"),
    **{
        ("cache:lazy", name): Member(APP, CALL, _CACHE)
        for name in (
            "get",
            "set",
            "add",
            "delete",
            "clear",
            "has",
            "get_many",
            "set_many",
            "delete_many",
            "get_dict",
            "inc",
            "dec",
            "delete_memoized",
            "delete_memoized_verhash",
        )
    },
}

# Decorators of an instance kind whose decorated function needs a context when it is called.
NEEDY_DECORATORS: dict[tuple[str, str], Member] = {
    ("cache:lazy", "memoize"): Member(APP, CALL, _CACHE + " (memoize -> self.get)"),
    ("cache:lazy", "cached"): Member(APP, CALL, _CACHE + " (cached -> self.get)"),
}

# The `query` property of a Flask-SQLAlchemy model (flask_sqlalchemy/model.py _QueryProperty):
# reading it makes a session for the current app context.
MODEL_BASE_ATTR = "Model"
MODEL_QUERY = "query"

# Setup calls at the top of a script are reported as app setup, not import time.
SETUP_MEMBERS = {"create_all", "drop_all", "reflect"}

# A call of these at the top of a module runs the script (asyncio/runners.py run(main)): its
# code is an entry point like a `__main__` block, not import-time code.
SCRIPT_RUNNERS = {"asyncio.run"}

# Classes whose `run` is the body of a thread (threading.py Thread.run).
THREAD_CLASSES = {"threading.Thread"}


@dataclass(frozen=True)
class Spawner:
    """Something that runs a function elsewhere, with no context of the caller's."""

    what: str
    target_kw: Optional[str]
    target_pos: Optional[int]
    source: str


_TH = "threading.py Thread(group, target, ...)"
# Calls of these qualified names start the target in a new thread or greenlet.
SPAWN_FUNCTIONS: dict[str, Spawner] = {
    "threading.Thread": Spawner("thread", "target", 1, _TH),
    "threading.Timer": Spawner("thread", "function", 1, "threading.py Timer(interval, function)"),
    "gevent.spawn": Spawner("greenlet", None, 0, "gevent/greenlet.py spawn(run, *args)"),
    "gevent.spawn_later": Spawner("greenlet", None, 1, "gevent spawn_later(seconds, run)"),
    "gevent.Greenlet": Spawner("greenlet", "run", 0, "gevent Greenlet(run)"),
    "gevent.Greenlet.spawn": Spawner("greenlet", None, 0, "gevent Greenlet.spawn(run)"),
    "eventlet.spawn": Spawner("greenlet", None, 0, "eventlet spawn(func)"),
    "eventlet.spawn_n": Spawner("greenlet", None, 0, "eventlet spawn_n(func)"),
    "eventlet.spawn_after": Spawner("greenlet", None, 1, "eventlet spawn_after(seconds, func)"),
    "_thread.start_new_thread": Spawner("thread", None, 0, "_thread.start_new_thread(function)"),
    "multiprocessing.Process": Spawner(
        "process", "target", 1, "multiprocessing/process.py Process(group, target)"
    ),
}
# Methods of an instance kind (or of any object, under "*") that start the target elsewhere.
SPAWN_METHODS: dict[tuple[str, str], Spawner] = {
    ("executor", "submit"): Spawner("pool", "fn", 0, "concurrent/futures Executor.submit(fn)"),
    ("executor", "map"): Spawner("pool", "fn", 0, "concurrent/futures Executor.map(fn)"),
    ("executor", "apply_async"): Spawner("pool", "func", 0, "multiprocessing Pool.apply_async"),
    ("executor", "apply"): Spawner("pool", "func", 0, "multiprocessing Pool.apply(func)"),
    ("executor", "imap"): Spawner("pool", "func", 0, "multiprocessing Pool.imap(func)"),
    ("executor", "imap_unordered"): Spawner("pool", "func", 0, "multiprocessing Pool.imap"),
    ("executor", "starmap"): Spawner("pool", "func", 0, "multiprocessing Pool.starmap(func)"),
    ("executor", "spawn"): Spawner("greenlet", None, 0, "gevent/pool.py Group.spawn(func)"),
    ("*", "start_background_task"): Spawner(
        "background task", "target", 0, "flask_socketio start_background_task(target)"
    ),
    ("*", "run_in_executor"): Spawner("executor", None, 1, "asyncio run_in_executor(exe, func)"),
}

# Spawners (by `what`) that, called from async code, are the async-task cause: they hand the
# function to a worker thread without the coroutine's context variables (asyncio/base_events.py
# run_in_executor and concurrent/futures/thread.py submit copy none, CPython 3.7-3.13). The
# asyncio calls that do copy them are no spawners at all: asyncio.to_thread (asyncio/threads.py
# copy_context), create_task and ensure_future (asyncio/tasks.py Task.__init__ copy_context),
# run_coroutine_threadsafe (call_soon_threadsafe copies the caller's), Quart's run_sync
# (quart/utils.py: run_in_executor(None, copy_context().run, ...)) and add_background_task
# (quart/app.py: a task, under `async with self.app_context()`). Checked by running each under
# Flask 3.1.3 with asgiref 3.13.0 and under Quart 0.22.0, Python 3.11.
ASYNC_HANDOFFS = {"executor", "pool"}

# Ways to run a function in a scheduler's thread pool (APScheduler add_job(func, trigger)).
# Flask-APScheduler's scheduler (flask_apscheduler/scheduler.py, 1.12.4 and 1.13.1) takes the job's
# id first, `add_job(id, func, **kwargs)`, and keeps its app as `scheduler.app`.
ADD_JOB = "add_job"
FLASK_SCHEDULER = "flask-scheduler"
JOB_METHODS = {
    ("scheduler", ADD_JOB): Spawner("job", "func", 0, "apscheduler add_job(func)"),
    (FLASK_SCHEDULER, ADD_JOB): Spawner("job", "func", 1, "flask_apscheduler add_job(id, func)"),
}
JOB_DECORATORS = {
    (kind, name) for kind in ("scheduler", FLASK_SCHEDULER) for name in ("scheduled_job", "task")
}
# The trigger names APScheduler 3.x registers (its `apscheduler.triggers` entry points, 3.10.4;
# `and`/`or` combine triggers and are not passed by name): a call `x.add_job(f, "interval")` is
# APScheduler's BaseScheduler.add_job(func, trigger=None, ...) even when `x` is a parameter.
TRIGGERS = {"interval", "cron", "date"}

# Task queues. A decorator (qualified, or (kind, method)) makes a task that a worker runs.
# `aware_with` names imports that make the worker push an app context; `aware_kinds` the
# instance kinds whose tasks already run in one (flask_rq2/job.py FlaskJob.perform pushes
# `app.app_context()`; flask_melodramatiq AppContextMiddleware).
QUEUE_DECORATORS: dict[str, str] = {
    "rq.decorators.job": "RQ job",
    "rq.job": "RQ job",
    "dramatiq.actor": "Dramatiq actor",
    "huey.api.Huey.task": "Huey task",
}
QUEUE_METHOD_DECORATORS: dict[tuple[str, str], str] = {
    ("huey", "task"): "Huey task",
    ("huey", "periodic_task"): "Huey periodic task",
    ("huey", "lock_task"): "Huey task",
    ("flask-rq2", "job"): "RQ job",
}
QUEUE_METHODS: dict[tuple[str, str], Spawner] = {
    ("rq-queue", "enqueue"): Spawner("RQ job", "f", 0, "rq/queue.py Queue.enqueue(f)"),
    ("rq-queue", "enqueue_call"): Spawner("RQ job", "func", 0, "rq/queue.py enqueue_call(func)"),
    ("rq-queue", "enqueue_at"): Spawner("RQ job", "f", 1, "rq/queue.py enqueue_at(when, f)"),
    ("rq-queue", "enqueue_in"): Spawner("RQ job", "func", 1, "rq/queue.py enqueue_in(delta, f)"),
}
QUEUE_AWARE_KINDS = {"flask-rq2"}
QUEUE_AWARE_MODULES = {"flask_melodramatiq", "flask_dramatiq", "flask_rq2"}
# The extension to suggest per queue system (the first word of its `what`), whose worker pushes
# the app context around every job: Flask-RQ2 2.x (flask_rq2/job.py FlaskJob.perform) and
# Flask-Melodramatiq 1.0.2 (lazy_broker.py AppContextMiddleware.before_process_message). Huey has
# none that we read.
QUEUE_AWARE_EXTENSIONS = {"rq": "Flask-RQ2", "dramatiq": "Flask-Melodramatiq"}

# Celery.
CELERY = "celery.Celery"
SHARED_TASK = "celery.shared_task"
CELERY_TASK = "celery.Task"
CELERY_AWARE_MODULES = {"flask_celeryext"}
CELERY_SIGNALS = "celery.signals"


# Flask-SocketIO (flask_socketio/__init__.py, 5.0-5.7). Its event handlers run inside
# `app.request_context(environ)` with `request.sid` and `request.namespace` set (_handle_event).
@dataclass(frozen=True)
class EventCall:
    """A module-level flask_socketio function that answers the Socket.IO event being handled: it
    reads ``flask.request.namespace`` and ``flask.request.sid`` unless the call gives them.

    ``given`` lists, for each value it reads off the event, the arguments that give it instead
    (one of them, not a false constant; those in ``present`` count even as None). With every one
    given, it still reads ``current_app.extensions['socketio']``: it needs an app context.
    ``server`` is the SocketIO method that needs neither, if there is one."""

    params: tuple[str, ...]
    given: tuple[tuple[str, ...], ...]
    present: frozenset[str]
    server: Optional[str]
    source: str


_SIO = "flask_socketio/__init__.py"
_EMIT = (("namespace",), ("to", "room", "broadcast"))
_ROOM = (("sid",), ("namespace",))
EVENT_CALLS: dict[str, EventCall] = {
    "flask_socketio.emit": EventCall(
        (), _EMIT, frozenset({"namespace"}), "emit", _SIO + " emit: request.namespace, .sid"
    ),
    "flask_socketio.send": EventCall(
        (), _EMIT, frozenset({"namespace"}), "send", _SIO + " send: request.namespace, .sid"
    ),
    "flask_socketio.join_room": EventCall(
        ("room", "sid", "namespace"), _ROOM, frozenset(), None, _SIO + " join_room: sid or ..."
    ),
    "flask_socketio.leave_room": EventCall(
        ("room", "sid", "namespace"), _ROOM, frozenset(), None, _SIO + " leave_room: sid or ..."
    ),
    "flask_socketio.close_room": EventCall(
        ("room", "namespace"), (("namespace",),), frozenset(), None, _SIO + " close_room"
    ),
    "flask_socketio.rooms": EventCall(("sid", "namespace"), _ROOM, frozenset(), None, _SIO),
    "flask_socketio.disconnect": EventCall(
        ("sid", "namespace", "silent"), _ROOM, frozenset(), None, _SIO + " disconnect"
    ),
}
# SocketIO methods whose decorated function is an event handler, the method that registers one
# (`socketio.on_event("chat", handler)`), and the class whose `on_<event>` methods are handlers.
EVENT_DECORATORS = {"on", "event", "on_error", "on_error_default"}
EVENT_REGISTER = "on_event"
EVENT_NAMESPACE = "flask_socketio.Namespace"
EVENT_METHOD_PREFIX = "on_"

# Click and the flask CLI.
CLICK_COMMAND = {"click.command", "click.decorators.command"}
CLICK_GROUP = {"click.group", "click.decorators.group"}
APP_GROUP_CLASSES = {"flask.cli.AppGroup", "flask.cli.FlaskGroup"}
# Instance kinds whose `.cli` is Quart's AppGroup (quart/app.py, quart/blueprints.py), and
# the keyword of `command()` that makes it push an app context (quart/cli.py AppGroup.command).
QUART_CLI_OWNERS = {"quart-app", "quart-blueprint"}
QUART_CLI_GROUP = "quart-app-group"
QUART_WITH_APPCONTEXT = "with_appcontext"

# Words a call's last name must be for the model to keep its arguments (the spawners, jobs,
# queues and responses above, and the registrations the rules read).
CALL_WORDS = frozenset(
    {q.rsplit(".", 1)[-1] for q in SPAWN_FUNCTIONS}
    | {m for _, m in SPAWN_METHODS}
    | {m for _, m in JOB_METHODS}
    | {m for _, m in QUEUE_METHODS}
    | {"Response", "response_class", "add_command", "set_defaults", "connect", "partial", "Celery"}
    | {"copy_current_request_context", "stream_with_context", "update", ADD_URL_RULE}
    | {q.rsplit(".", 1)[-1] for q in EVENT_CALLS}
    | {EVENT_REGISTER}
)


def _tops() -> frozenset[str]:
    names: set[str] = set()
    for table in (
        NAMES,
        MODULE_ALIASES,
        CONSTRUCTORS,
        SPAWN_FUNCTIONS,
        QUEUE_DECORATORS,
        EVENT_CALLS,
    ):
        names.update(table)
    names.update(GUARDS | CARRY_REQUEST | APP_CONTEXT_DECORATORS | RESPONSES | THREAD_CLASSES)
    names.update(VIEW_CLASSES)
    names.update(SCRIPT_RUNNERS)
    names.update(CLICK_COMMAND | CLICK_GROUP | APP_GROUP_CLASSES)
    names.update({PARTIAL, CELERY, SHARED_TASK, CELERY_TASK, CELERY_SIGNALS} | APP_CLASSES)
    names.update(CELERY_AWARE_MODULES | QUEUE_AWARE_MODULES | {"alembic"})
    return frozenset(n.split(".")[0] for n in names)


# The top-level packages the tables above name: imports from any other library are not kept.
TOPS = _tops()
