"""CTX113: an RQ job, Dramatiq actor or Huey task uses Flask globals or the database.

A function decorated ``@job`` (rq), ``@dramatiq.actor``, ``@huey.task()`` or
``@huey.periodic_task(...)``, or enqueued with ``queue.enqueue(func, ...)``, runs in a worker
process that has no app context unless the project's worker pushes one: Flask-RQ2's jobs
(``flask_rq2/job.py`` ``FlaskJob``) and Flask-Melodramatiq's middleware do, and so does a job,
worker or middleware class of the project whose methods push ``app.app_context()``.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project, more

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


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "queue-job" or e.level:
            continue
        uses = [u for u in project.needs(e.fn, e.level) if u.need != "server_name"]
        if not uses:
            continue
        u = uses[0]
        what = e.detail.get("what", "job")
        fix = "push `app.app_context()` inside it (or use a Flask-aware worker such as Flask-RQ2)"
        if "site" in e.detail:
            yield project.finding(
                RULE.code,
                e.module,
                e.line,
                e.col,
                f"{what} `{e.name}` uses {u.describe()} ({u.at(e.module.path)}) in a worker with "
                f"no app context; {fix}",
            )
        else:
            yield project.finding(
                RULE.code,
                e.module,
                u.line,
                u.col,
                f"{what} `{e.name}` uses {u.describe()} in a worker with no app context; "
                f"{fix}{more(uses)}",
            )
