"""CTX104: module-level code uses a Flask global or the database while the module is imported.

Module-level code (class bodies, default argument values and decorator arguments included) runs
while the module is imported, before any app context exists: ``current_app.config[...]``,
``g``, ``request``, ``url_for(...)``, ``db.session.execute(...)``, ``User.query``, or a call to a
function of the project that does so. Naming a proxy without using it is fine
(``Admin(app).add_view(ModelView(User, db.session))``), and so are truth tests
(``if current_app:``). Code under ``with app.app_context():``, modules imported only inside such
a block (followed from the factory), and Alembic scripts (run by ``flask db``) have a context.
Modules that define Celery tasks, RQ jobs, Dramatiq actors or Huey tasks and that nothing in the
project imports are imported by name when the worker starts, with no context, and so are the
modules they import at their top (unless those are imported in a context too, or a module pushes
a context at its top for good).
"""

from __future__ import annotations

from typing import Iterator

from .. import catalog
from ..findings import Rule, ScanFinding
from ..project import Entry, Project, Use

BUG = """\
from flask import current_app

UPLOAD_DIR = current_app.config["UPLOAD_DIR"]
"""

TWIN = """\
from flask import current_app


def upload_dir():
    return current_app.config["UPLOAD_DIR"]
"""

RULE = Rule(
    "CTX104",
    "global-used-at-import",
    "import-time",
    "Module-level code uses a Flask global or runs a query while the module is imported.",
    None,
    BUG,
    TWIN,
)


def is_setup(label: str, via: tuple) -> bool:
    """``db.create_all()`` and friends at the top of a script are app setup (CTX105)."""
    return not via and label.rsplit(".", 1)[-1] in catalog.SETUP_MEMBERS


def uncovered(project: Project, kind: str) -> Iterator[tuple[Entry, Use]]:
    """Every use no context covers in the code that entries of ``kind`` run (a module's top
    level, a script's ``__main__`` block), but app setup (CTX105) and ``url_for`` without
    ``SERVER_NAME`` (CTX114)."""
    for e in project.entries():
        if e.kind != kind:
            continue
        for u in project.needs(e.fn, e.level):
            if u.need != "server_name" and not is_setup(u.label, u.via):
                yield e, u


def check(project: Project) -> Iterator[ScanFinding]:
    for e, u in uncovered(project, "module"):
        message = f"{u.describe()} runs when the module is imported, before any context exists"
        yield project.finding(RULE.code, e.module, u.line, u.col, message)
