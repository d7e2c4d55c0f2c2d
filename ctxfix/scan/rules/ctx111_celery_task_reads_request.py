"""CTX111: a Celery task reads ``request``, ``session`` or ``flash``.

Even a Flask-aware task class pushes only an app context; a task never runs inside an HTTP
request. Read the value in the view and pass it to the task.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
from celery import shared_task
from flask import session


@shared_task
def remember_theme():
    return session.get("theme")
"""

TWIN = """\
from celery import shared_task


@shared_task
def remember_theme(theme):
    return theme
"""

RULE = Rule(
    "CTX111",
    "celery-task-reads-request",
    "celery-task",
    "A Celery task reads request or session; tasks never run inside a request.",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "celery-task" or e.detail.get("aware") is False or e.detail.get("request"):
            continue  # CTX106 says it; or the project's task class can push a request context
        uses = [u for u in project.needs(e.fn, e.level) if u.need == "request"]
        if uses:
            u = uses[0]
            yield project.finding(
                RULE.code,
                e.module,
                u.line,
                u.col,
                f"Celery task `{e.name}` reads {u.describe()}; a task never has a request, so pass "
                "the values it needs as arguments",
            )
