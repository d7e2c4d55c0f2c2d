"""Nightly job: save a static copy of the dashboard for the last 30 days."""

from pathlib import Path

from dashboard import app, dashboard

# The view reads request.args, so give it a request: the one a browser would send.
with app.test_request_context("/dashboard?range=30d"):
    html = dashboard()

assert "41" in html, html
Path("dashboard-30d.html").write_text(html)
print("saved", len(html), "bytes")
