"""CTX101: a thread, pool, greenlet or background-task target uses the app with no app context.

A function started with ``threading.Thread``, ``threading.Timer``, a ``ThreadPoolExecutor``,
``loop.run_in_executor``, ``gevent.spawn``, ``eventlet.spawn`` or Flask-SocketIO's
``start_background_task``, or the ``run()`` of a ``threading.Thread`` subclass, uses
``current_app``, ``g``, ``url_for``, ``render_template``, the database or an extension call that
needs the app, itself or in a function of the project it calls. A new thread starts with no
context, whatever the caller had. A ``try``/``except Exception`` around the body does not help:
the work still fails, it is only logged. So does a library callable given as the target itself
(``Thread(target=mail.send, ...)``, ``pool.submit(render_template_string, ...)``). (An executor
started from a coroutine is CTX115.) In a Quart app, ``app.add_background_task(fn)`` runs the
function with the app context (``quart/app.py``).
"""

from __future__ import annotations

from typing import Iterator

from .. import catalog
from ..entries import library_targets, proxy_arg
from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
import threading

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


def send_receipt(order_id):
    db.session.execute(db.text("update orders set sent = 1 where id = :id"), {"id": order_id})
    db.session.commit()


@app.post("/orders/<int:order_id>/receipt")
def receipt(order_id):
    threading.Thread(target=send_receipt, args=(order_id,)).start()
    return "", 202
"""

TWIN = """\
import threading

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


def send_receipt(flask_app, order_id):
    with flask_app.app_context():
        db.session.execute(db.text("update orders set sent = 1 where id = :id"), {"id": order_id})
        db.session.commit()


@app.post("/orders/<int:order_id>/receipt")
def receipt(order_id):
    real_app = current_app._get_current_object()
    threading.Thread(target=send_receipt, args=(real_app, order_id)).start()
    return "", 202
"""

RULE = Rule(
    "CTX101",
    "thread-without-app-context",
    "background-thread",
    "A thread, pool or greenlet target uses the app or the database with no app context.",
    "app-data",
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for m, site, what, label, level in library_targets(project):
        if level == catalog.APP:
            yield project.finding(
                RULE.code,
                m,
                site.line,
                site.col,
                f"`{label}` is handed to a {what} and runs there with no app context; give the "
                f"{what} a function of yours that pushes `app.app_context()` and calls it",
            )
    for e in project.entries():
        if e.kind not in ("spawn", "thread-class") or e.detail.get("async"):
            continue  # CTX115 reports executors started from async code
        site = e.detail.get("site")
        if site is not None and proxy_arg(project, site) is not None:
            continue  # CTX102 or CTX103 says what to pass instead
        uses = project.needs(e.fn, e.level)
        if any(u.need == "request" for u in uses):
            continue  # CTX103
        app = [u for u in uses if u.need == "app"]
        if not app:
            continue
        u = app[0]
        path = e.module.path
        if e.kind == "thread-class":
            yield project.finding(
                RULE.code,
                e.module,
                u.line,
                u.col,
                f"thread class `{e.name}` runs `run()` in a new thread, and it uses {u.describe()} "
                "with no app context; push `app.app_context()` inside `run()`",
            )
        else:
            fix = (
                "start it with `app.add_background_task(...)`, which runs it in the app context"
                if project.uses_quart(e.module)
                else "push `app.app_context()` inside it"
            )
            yield project.finding(
                RULE.code,
                e.module,
                e.line,
                e.col,
                f"{e.detail['what']} target `{e.name}` uses {u.describe()} ({u.at(path)}) with no "
                f"app context; {fix}",
            )
