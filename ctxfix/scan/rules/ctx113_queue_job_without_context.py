"""CTX113: an RQ job, Dramatiq actor or Huey task uses Flask globals or the database.

A function decorated ``@job`` (rq), ``@dramatiq.actor``, ``@huey.task()`` or
``@huey.periodic_task(...)``, or enqueued with ``queue.enqueue(func, ...)``, runs in a worker
process that has no app context unless the project's worker pushes one: Flask-RQ2's jobs
(``flask_rq2/job.py`` ``FlaskJob``) and Flask-Melodramatiq's middleware do, and so does a job,
worker or middleware class of the project whose methods push ``app.app_context()``.
"""

from __future__ import annotations

from typing import Iterator

from .. import catalog
from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
from flask import current_app
from redis import Redis
from rq import Queue

queue = Queue(connection=Redis())


def send_digest(user_id):
    current_app.logger.info("digest for %s", user_id)


def schedule_digest(user_id):
    queue.enqueue(send_digest, user_id)
"""

TWIN = """\
from flask import current_app
from redis import Redis
from rq import Queue

queue = Queue(connection=Redis())


def send_digest(user_id):
    from myapp import create_app

    with create_app().app_context():
        current_app.logger.info("digest for %s", user_id)


def schedule_digest(user_id):
    queue.enqueue(send_digest, user_id)
"""

RULE = Rule(
    "CTX113",
    "queue-job-without-context",
    "task-queue",
    "An RQ job, Dramatiq actor or Huey task uses Flask globals or the database with no app "
    "context.",
    None,
    BUG,
    TWIN,
)

_TAIL = " in a worker with no app context; push `app.app_context()` inside it"


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "queue-job" or e.level:
            continue
        uses = project.entry_uses(e)
        if uses:
            what = e.detail.get("what", "job")
            aware = catalog.QUEUE_AWARE_EXTENSIONS.get(what.split()[0].lower())
            tail = f"{_TAIL} (or run it with {aware}, which does)" if aware else _TAIL
            yield project.entry_finding(RULE.code, e, uses, f"{what} `{e.name}` uses", tail)
