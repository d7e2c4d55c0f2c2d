"""CTX114: ``url_for`` runs with an app context but no request, and nothing sets ``SERVER_NAME``.

In a Celery task of a Flask-aware app, a flask CLI command, a script or thread under
``with app.app_context():``, or module code imported in one, ``url_for`` has no request to take
the host from. Since Flask 2.2 it raises "Unable to build URLs outside an active request without
'SERVER_NAME' configured" (``flask/app.py`` ``Flask.url_for``). Reported only when no scanned file
sets ``SERVER_NAME`` (a config key, keyword or name in code: a docstring or a message naming it
does not count) but scripts of their own (a ``__main__`` block nothing imports: what it sets holds
in its own process). Set ``SERVER_NAME`` (with ``PREFERRED_URL_SCHEME``), build the URL in
the view and pass it along, or use ``app.test_request_context()``.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
import click
from flask import Flask, url_for

app = Flask(__name__)


@app.get("/reset/<token>")
def reset(token):
    return token


@app.cli.command("send-reminders")
def send_reminders():
    link = url_for("reset", token="abc", _external=True)
    click.echo(f"reset your password: {link}")
"""

TWIN = """\
import click
from flask import Flask, url_for

app = Flask(__name__)
app.config["SERVER_NAME"] = "example.com"


@app.get("/reset/<token>")
def reset(token):
    return token


@app.cli.command("send-reminders")
def send_reminders():
    link = url_for("reset", token="abc", _external=True)
    click.echo(f"reset your password: {link}")
"""

RULE = Rule(
    "CTX114",
    "url-for-without-request",
    "url-for-no-server-name",
    "url_for runs with an app context but no request, and SERVER_NAME is not set.",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    seen: set[tuple[str, int, int]] = set()
    for e in project.entries():
        if e.module.server_name:
            continue  # a script that sets SERVER_NAME for its own run
        for u in project.needs(e.fn, e.level):
            if u.need != "server_name":
                continue
            key = u.where
            if key in seen:
                continue
            seen.add(key)
            path, line, col = u.where
            yield project.finding(
                RULE.code,
                project.by_path.get(path, e.module),
                line,
                col,
                f"`{u.label}` in {_what(e.kind, e.name)} runs with an app context but no "
                "request, and no scanned file it runs with sets SERVER_NAME; set it, or build the "
                "URL where the request is",
            )


def _what(kind: str, name: str) -> str:
    return {
        "celery-task": f"Celery task `{name}`",
        "command": f"CLI command `{name}`",
        "module": "module-level code",
        "main": "the script entry point",
        "factory": f"app factory `{name}`",
        "queue-job": f"job `{name}`",
        "job": f"scheduled job `{name}`",
    }.get(kind, f"`{name}`")
