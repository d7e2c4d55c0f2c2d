"""CTX107: an APScheduler job uses Flask globals or the database with no context pushed.

A function registered with APScheduler (``add_job``, ``@scheduled_job``) or Flask-APScheduler
(``@scheduler.task``, ``scheduler.add_job``), given by name, as ``self.method`` or as a
``"module:function"`` string, uses Flask globals or the database. Jobs run in the scheduler's
thread pool, with no context. A scheduler handed in as a parameter counts when the call names one
of APScheduler's triggers (``sched.add_job(self.refresh, "cron", hour=3)``).
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

# Flask-APScheduler keeps the app it was given as `scheduler.app` (flask_apscheduler/scheduler.py
# APScheduler.app, 1.12.4 and 1.13.1); a plain APScheduler scheduler knows no app.
_FIX = "wrap its body in `with scheduler.app.app_context():`"
_PLAIN_FIX = "push `app.app_context()` inside it (hand it the app, or make one with your factory)"


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind != "job":
            continue
        uses = project.entry_uses(e)
        if uses:
            head = f"scheduled job `{e.name}` uses"
            fix = _FIX if e.detail.get("flask_scheduler") else _PLAIN_FIX
            yield project.entry_finding(RULE.code, e, uses, head, f" with no context; {fix}")
