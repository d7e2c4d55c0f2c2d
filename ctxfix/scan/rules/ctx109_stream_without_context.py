"""CTX109: a streamed generator uses request or other Flask globals without stream_with_context.

A generator handed to ``Response(...)``, ``app.response_class(...)`` or returned from a view reads
``request``, ``session`` or another Flask global. Werkzeug iterates the generator after the view
has returned and the contexts are gone. A view that is itself a generator is reported the same
way.
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Rule, ScanFinding
from ..project import Project, more

BUG = """\
from flask import Flask, Response, request

app = Flask(__name__)


@app.get("/export")
def export():
    def rows():
        for key in request.args.getlist("key"):
            yield f"{key}\\n"

    return Response(rows(), mimetype="text/plain")
"""

TWIN = """\
from flask import Flask, Response, request, stream_with_context

app = Flask(__name__)


@app.get("/export")
def export():
    @stream_with_context
    def rows():
        for key in request.args.getlist("key"):
            yield f"{key}\\n"

    return Response(rows(), mimetype="text/plain")
"""

RULE = Rule(
    "CTX109",
    "stream-without-context",
    "streaming-response",
    "A streamed generator uses request or other Flask globals without stream_with_context.",
    None,
    BUG,
    TWIN,
)


def check(project: Project) -> Iterator[ScanFinding]:
    seen: set[tuple[str, int, int]] = set()
    for e in project.entries():
        if e.kind == "stream":
            key = (e.module.path, e.line, e.col)
            uses = project.needs(e.fn, e.level)
            if uses and key not in seen:
                seen.add(key)
                u = uses[0]
                yield project.finding(
                    RULE.code,
                    e.module,
                    e.line,
                    e.col,
                    f"generator `{e.name}` uses {u.describe()} ({u.at(e.module.path)}) while the "
                    "response streams, after the request context is gone; wrap it in "
                    "`stream_with_context`",
                )
        elif e.kind == "stream-view":
            uses = project.needs(e.fn, e.level)
            if uses:
                u = uses[0]
                yield project.finding(
                    RULE.code,
                    e.module,
                    u.line,
                    u.col,
                    f"view `{e.name}` is a generator, so {u.describe()} is read while the "
                    "response streams, after the request context is gone; decorate it with "
                    f"`@stream_with_context`{more(uses)}",
                )
