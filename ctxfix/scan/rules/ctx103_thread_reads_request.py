"""CTX103: a thread target reads ``request`` or ``session``, or the proxy is passed to a thread.

The request context belongs to the thread that handles the request. Copy it into the thread with
``copy_current_request_context``, or better, pass the values the thread needs.
"""

from __future__ import annotations

from typing import Iterator

from ..entries import proxy_arg, proxy_sites
from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
import threading

from flask import Flask, request

app = Flask(__name__)


def log_search():
    app.logger.info("searched for %s", request.args["q"])


@app.get("/search")
def search():
    threading.Thread(target=log_search).start()
    return "results"
"""

TWIN = """\
import threading

from flask import Flask, copy_current_request_context, request

app = Flask(__name__)


def log_search():
    app.logger.info("searched for %s", request.args["q"])


@app.get("/search")
def search():
    threading.Thread(target=copy_current_request_context(log_search)).start()
    return "results"
"""

RULE = Rule(
    "CTX103",
    "thread-reads-request",
    "background-thread",
    "A thread target reads request or session without copy_current_request_context.",
    "request-data",
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for m, site, what, label, need in proxy_sites(project):
        if need == "request":
            yield project.finding(
                RULE.code,
                m,
                site.line,
                site.col,
                f"the `{label}` proxy is handed to a {what}, where it is unbound; pass the "
                "values it needs instead",
            )
    for e in project.entries():
        if e.kind not in ("spawn", "thread-class") or e.detail.get("async"):
            continue  # CTX115
        site = e.detail.get("site")
        if site is not None and proxy_arg(project, site) is not None:
            continue
        uses = [u for u in project.needs(e.fn, e.level) if u.need == "request"]
        if not uses:
            continue
        u = uses[0]
        if e.kind == "thread-class":
            line, col, head = u.line, u.col, f"thread class `{e.name}` reads {u.describe()}"
        else:
            line, col = e.line, e.col
            head = (
                f"{e.detail['what']} target `{e.name}` reads {u.describe()} ({u.at(e.module.path)})"
            )
        fix = (
            "pass the values it needs, or start it with `app.add_background_task(...)`"
            if project.uses_quart(e.module)
            else "wrap it in `copy_current_request_context` or pass the values it needs"
        )
        yield project.finding(
            RULE.code, e.module, line, col, f"{head} with no request context; {fix}"
        )
