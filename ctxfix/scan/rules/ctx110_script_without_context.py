"""CTX110: the script entry point (`if __name__ == "__main__":`) uses Flask globals, no context.

Code under ``if __name__ == "__main__":``, and the project functions it calls, uses Flask globals
or the database without pushing a context. Running a file with ``python`` does not push one.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project
from .ctx104_global_used_at_import import uncovered

BUG = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def report():
    print(db.session.execute(db.text("select count(*) from users")).scalar())


if __name__ == "__main__":
    report()
"""

TWIN = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def report():
    print(db.session.execute(db.text("select count(*) from users")).scalar())


if __name__ == "__main__":
    app = Flask(__name__)
    db.init_app(app)
    with app.app_context():
        report()
"""

RULE = Rule(
    "CTX110",
    "script-without-context",
    "standalone-script",
    "The script entry point (`if __name__ == '__main__':`) uses Flask globals with no context.",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for e, u in uncovered(project, "main"):
        message = f"{u.describe()} is used by the script entry point with no app context pushed"
        yield project.finding(RULE.code, e.module, u.line, u.col, message)
