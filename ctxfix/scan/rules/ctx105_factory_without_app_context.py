"""CTX105: an app factory (or a setup script) needs the app context outside ``app.app_context()``.

An app factory (a function that builds ``Flask(...)``, or one named ``create_app``/``make_app``)
calls ``db.create_all()``, a query, ``babel.list_translations()`` or uses ``current_app`` before
pushing a context, itself or through the project's functions it calls. Extensions registered with
``init_app`` only find the app through the context. Views defined inside the factory are not
affected. ``db.create_all()``, ``db.drop_all()`` or ``db.reflect()`` at the top of a setup script
or module are reported the same way.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project
from .ctx104_global_used_at_import import is_setup

BUG = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    db.init_app(app)
    db.create_all()
    return app
"""

TWIN = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    db.init_app(app)
    with app.app_context():
        db.create_all()
    return app
"""

RULE = Rule(
    "CTX105",
    "factory-without-app-context",
    "app-setup",
    "An app factory calls something that needs the app context outside app.app_context().",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for e in project.entries():
        if e.kind == "factory":
            for u in project.needs(e.fn, e.level):
                if u.need == "server_name":
                    continue
                yield project.finding(
                    RULE.code,
                    e.module,
                    u.line,
                    u.col,
                    f"{u.describe()} in app factory `{e.name}` needs `with app.app_context():` "
                    "around it",
                )
        elif e.kind in ("module", "main"):
            for u in project.needs(e.fn, e.level):
                if u.need != "server_name" and is_setup(u.label, u.via):
                    yield project.finding(
                        RULE.code,
                        e.module,
                        u.line,
                        u.col,
                        f"`{u.label}()` runs at the top of a script or module with no app "
                        "context; wrap the setup in `with app.app_context():`",
                    )
