"""Nightly job: save a static copy of the dashboard for the last 30 days."""

from pathlib import Path

from flask import has_request_context

from dashboard import app, dashboard

# The view reads request.args, so give it a request: the one a browser would send.
with app.test_request_context("/dashboard?range=30d"):
    # ctxfix verify snippet, where the error was:
    assert has_request_context(), "no request context here"
    print("ctxfix verify: ok")

    html = dashboard()

assert "41" in html, html
Path("dashboard-30d.html").write_text(html)
print("saved", len(html), "bytes")
