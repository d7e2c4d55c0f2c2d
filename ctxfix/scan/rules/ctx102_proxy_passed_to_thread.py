"""CTX102: the ``current_app`` proxy is handed to a thread, pool or background task.

The proxy is only a pointer to "the app of the current context"; in the thread there is none, so
even ``with app.app_context():`` fails there. Hand over ``current_app._get_current_object()``.
"""

from __future__ import annotations

from typing import Iterator

from ..entries import proxy_sites
from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

app = Flask(__name__)
executor = ThreadPoolExecutor(max_workers=2)


def send_receipt(flask_app, order_id):
    with flask_app.app_context():
        flask_app.logger.info("receipt %s", order_id)


@app.post("/orders/<int:order_id>/receipt")
def receipt(order_id):
    executor.submit(send_receipt, current_app, order_id)
    return "", 202
"""

TWIN = BUG.replace(
    "executor.submit(send_receipt, current_app, order_id)",
    "executor.submit(send_receipt, current_app._get_current_object(), order_id)",
)

RULE = Rule(
    "CTX102",
    "proxy-passed-to-thread",
    "background-thread",
    "The current_app proxy is handed to other code instead of the real app object.",
    "app-data",
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    for m, site, what, label, need in proxy_sites(project):
        if need == "app":
            yield project.finding(
                RULE.code,
                m,
                site.line,
                site.col,
                f"the `{label}` proxy is handed to a {what}; pass "
                "`current_app._get_current_object()` instead",
            )
