"""CTX107: an APScheduler job uses Flask globals or the database with no context pushed.

A function registered with APScheduler (``add_job``, ``@scheduled_job``) or Flask-APScheduler
(``@scheduler.task``, ``scheduler.add_job``), given by name, as ``self.method`` or as a
``"module:function"`` string, uses Flask globals or the database. Jobs run in the scheduler's
thread pool, with no context.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
from flask_apscheduler import APScheduler
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
scheduler = APScheduler()


@scheduler.task("interval", id="purge", minutes=5)
def purge():
    db.session.execute(db.text("delete from tokens where expired"))
    db.session.commit()
"""

TWIN = """\
from flask_apscheduler import APScheduler
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
scheduler = APScheduler()


@scheduler.task("interval", id="purge", minutes=5)
def purge():
    with scheduler.app.app_context():
        db.session.execute(db.text("delete from tokens where expired"))
        db.session.commit()
"""

RULE = Rule(
    "CTX107",
    "scheduled-job-without-context",
    "scheduled-job",
    "An APScheduler job uses Flask globals or the database with no context pushed.",
    None,
    BUG,
    TWIN,
)

_FIX = "wrap its body in `with scheduler.app.app_context():`"


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "job":
            continue
        uses = project.entry_uses(e)
        if uses:
            head = f"scheduled job `{e.name}` uses"
            yield project.entry_finding(RULE.code, e, uses, head, f" with no context; {_FIX}")
