"""CTX112: a Celery signal handler uses Flask globals or the database.

A function connected to a Celery signal (``task_prerun``, ``task_postrun``, ``task_failure``,
``worker_process_init`` and the rest of ``celery.signals``) uses Flask globals or the database.
Signal handlers are called by the worker around the task, not inside the task's ``__call__``, so
even a Flask-aware task class gives them no app context.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project

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
        uses = project.entry_uses(e)
        if uses:
            head = f"Celery signal handler `{e.name}` uses"
            yield project.entry_finding(RULE.code, e, uses, head, f"; {_WHY}")
