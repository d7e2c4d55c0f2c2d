"""CTX108: a plain click command or an argparse sub-command uses Flask globals or the database.

A plain click command (``@click.command``, or a command of a plain ``@click.group``) uses Flask
globals or the database. Commands on ``app.cli``, ``blueprint.cli``, an ``AppGroup`` or a
``FlaskGroup``, commands decorated ``@with_appcontext``, and commands added with
``app.cli.add_command(...)`` anywhere in the project get an app context from the flask CLI and
are not reported. Quart is the other way round: a command on a Quart app's or blueprint's
``cli`` gets no app context unless it is declared ``command(..., with_appcontext=True)`` or
decorated with ``quart.cli.with_appcontext`` (``quart/cli.py`` ``AppGroup.command``). The same
goes for argparse tools: a handler registered with
``set_defaults(func=handler)`` that uses Flask globals is reported where ``args.func(args)`` runs
it without a context.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project, more

BUG = """\
import click
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


@click.command()
def init_db():
    db.create_all()


if __name__ == "__main__":
    init_db()
"""

TWIN = """\
import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    db.init_app(app)
    return app


@click.command()
def init_db():
    with create_app().app_context():
        db.create_all()


if __name__ == "__main__":
    init_db()
"""

RULE = Rule(
    "CTX108",
    "click-command-without-context",
    "cli-command",
    "A plain click command or argparse sub-command uses Flask globals or the database.",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    reported: set[tuple[str, int, int]] = set()
    for e in project.entries():
        if e.kind == "command" and e.level == 0:
            uses = [u for u in project.needs(e.fn, e.level) if u.need != "server_name"]
            if uses:
                u = uses[0]
                if e.detail.get("quart"):
                    why = (
                        "Quart's `cli` pushes no app context; declare it with "
                        "`command(..., with_appcontext=True)`"
                    )
                else:
                    why = (
                        "runs outside the flask CLI, with no app context; add `@with_appcontext` "
                        "or push `app.app_context()`"
                    )
                yield project.finding(
                    RULE.code,
                    e.module,
                    u.line,
                    u.col,
                    f"click command `{e.name}` uses {u.describe()} but {why}{more(uses)}",
                )
        elif e.kind == "argparse":
            key = (e.module.path, e.line, e.col)
            if key in reported:
                continue
            uses = [u for u in project.needs(e.fn, e.level) if u.need != "server_name"]
            if uses:
                reported.add(key)
                u = uses[0]
                yield project.finding(
                    RULE.code,
                    e.module,
                    e.line,
                    e.col,
                    f"argparse command `{e.name}` (line {e.fn.line}) uses {u.describe()} "
                    f"({u.at(project.owner[e.fn.qualname].path)}), and this dispatch runs it with "
                    "no app context; push `app.app_context()` around it",
                )
