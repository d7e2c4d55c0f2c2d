"""CTX112: a Celery signal handler uses Flask globals or the database.

A function connected to a Celery signal (``task_prerun``, ``task_postrun``, ``task_failure``,
``worker_process_init`` and the rest of ``celery.signals``) uses Flask globals or the database.
Signal handlers are called by the worker around the task, not inside the task's ``__call__``, so
even a Flask-aware task class gives them no app context.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project, more

BUG = """\
from celery.signals import task_postrun
from flask import current_app


@task_postrun.connect
def record_task(task_id=None, task=None, **kwargs):
    current_app.logger.info("task %s done", task_id)
"""

TWIN = """\
from celery.signals import task_postrun
from flask import current_app


def connect_task_signals(app):
    @task_postrun.connect(weak=False)
    def record_task(task_id=None, task=None, **kwargs):
        with app.app_context():
            current_app.logger.info("task %s done", task_id)
"""

RULE = Rule(
    "CTX112",
    "celery-signal-without-context",
    "celery-task",
    "A Celery signal handler uses Flask globals or the database; signals run outside the "
    "task's app context.",
    None,
    BUG,
    TWIN,
)

_WHY = "signal handlers run outside the task's app context, so push `app.app_context()` inside it"


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "celery-signal":
            continue
        uses = [u for u in project.needs(e.fn, e.level) if u.need != "server_name"]
        if not uses:
            continue
        u = uses[0]
        if "site" in e.detail:
            yield project.finding(
                RULE.code,
                e.module,
                e.line,
                e.col,
                f"Celery signal handler `{e.name}` uses {u.describe()} ({u.at(e.module.path)}); "
                f"{_WHY}",
            )
        else:
            yield project.finding(
                RULE.code,
                e.module,
                u.line,
                u.col,
                f"Celery signal handler `{e.name}` uses {u.describe()}; {_WHY}{more(uses)}",
            )
