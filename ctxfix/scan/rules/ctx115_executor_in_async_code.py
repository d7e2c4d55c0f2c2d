"""CTX115: an async view or handler hands work to ``loop.run_in_executor`` or an executor, and
the work uses the context.

Flask's async views and Quart's handlers keep the app, the request and ``g`` in context
variables. ``loop.run_in_executor(None, fn)`` and ``executor.submit(fn)`` run ``fn`` in a worker
thread with none of them (``asyncio/base_events.py`` ``run_in_executor`` copies no context), so
``fn`` fails on ``current_app``, ``request``, ``g``, ``url_for`` or the database, itself or in a
function of the project it calls, and so does a proxy handed to it. ``await
asyncio.to_thread(fn)`` runs ``fn`` in a copy of the coroutine's context, and so does Quart's
``run_sync(fn)()``; tasks made with ``asyncio.create_task`` or ``ensure_future`` and Quart's
``add_background_task`` carry it too, and none of these are reported.
"""

from __future__ import annotations

from typing import Iterator

from ..entries import call_name, proxy_arg, proxy_sites
from ..findings import Rule, ScanFinding
from ..project import Project

BUG = """\
import asyncio

from flask import Flask, current_app

app = Flask(__name__)
app.config["VAT"] = 0.2


def price_with_vat(net):
    return round(net * (1 + current_app.config["VAT"]), 2)


@app.get("/price/<int:net>")
async def price(net):
    loop = asyncio.get_running_loop()
    gross = await loop.run_in_executor(None, price_with_vat, net)
    return {"gross": gross}
"""

TWIN = """\
import asyncio

from flask import Flask, current_app

app = Flask(__name__)
app.config["VAT"] = 0.2


def price_with_vat(net):
    return round(net * (1 + current_app.config["VAT"]), 2)


@app.get("/price/<int:net>")
async def price(net):
    gross = await asyncio.to_thread(price_with_vat, net)
    return {"gross": gross}
"""

RULE = Rule(
    "CTX115",
    "executor-in-async-code",
    "async-task",
    "An async view hands work to run_in_executor or an executor, and the work uses the context.",
    None,
    BUG,
    TWIN,
)

_FIX = "run the work with `await asyncio.to_thread(...)`, which copies the context"
_QUART_FIX = (
    "run the work with `await asyncio.to_thread(...)` or Quart's `await run_sync(...)()`, "
    "which copy the context"
)


def check(project: Project) -> Iterator[ScanFinding]:
    for m, site, _what, label, _need in proxy_sites(project, handoffs=True):
        fix = _QUART_FIX if project.uses_quart(m) else _FIX
        yield project.finding(
            RULE.code,
            m,
            site.line,
            site.col,
            f"the `{label}` proxy is handed to `{call_name(site.func)}`, whose worker thread has "
            f"no context to resolve it in; {fix}",
        )
    for e in project.entries():
        if e.kind != "spawn" or not e.detail.get("async"):
            continue
        site = e.detail["site"]
        if proxy_arg(project, site) is not None:
            continue
        uses = project.entry_uses(e)
        if uses:
            fix = _QUART_FIX if project.uses_quart(e.module) else _FIX
            head = (
                f"`{call_name(site.func)}` runs `{e.name}` in a worker thread without the context "
                "of the coroutine that starts it, and it uses"
            )
            yield project.entry_finding(RULE.code, e, uses, head, f"; {fix}")
