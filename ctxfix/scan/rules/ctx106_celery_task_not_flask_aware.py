"""CTX106: a Celery task uses the app or the database, and its Celery app pushes no app context.

A Celery app counts as Flask-aware when it is made with ``task_cls=...`` (the ``celery_init_app``
pattern of the Flask docs since 2.2.3), when ``celery.Task = ContextTask`` is assigned anywhere in
the project (the older pattern, also in another module than the one that makes the app), when
Flask-CeleryExt is used, or when the task's ``base=`` class (or a class it inherits from) pushes
``app.app_context()`` in its ``__call__``. ``@shared_task`` tasks are judged only when the
scanned files make a Celery app. A task whose Celery app cannot be identified is left alone.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project, more

BUG = """\
from celery import Celery
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
celery = Celery(__name__, broker="redis://localhost:6379/0")


@celery.task
def purge_sessions():
    db.session.execute(db.text("delete from sessions"))
    db.session.commit()
"""

TWIN = """\
from celery import Celery, Task
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def celery_init_app(app):
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


app = Flask(__name__)
db.init_app(app)
celery = celery_init_app(app)


@celery.task
def purge_sessions():
    db.session.execute(db.text("delete from sessions"))
    db.session.commit()
"""

RULE = Rule(
    "CTX106",
    "celery-task-not-flask-aware",
    "celery-task",
    "A Celery task uses the app or the database, and the Celery app pushes no app context.",
    "flask-task",
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "celery-task" or e.detail.get("aware") is not False:
            continue
        uses = project.needs(e.fn, e.level)
        if uses:
            u = uses[0]
            yield project.finding(
                RULE.code,
                e.module,
                u.line,
                u.col,
                f"Celery task `{e.name}` uses {u.describe()}, and its Celery app pushes no app "
                "context; use a Flask-aware task class (`celery_init_app`, "
                f"`task_cls=FlaskTask`){more(uses)}",
            )
