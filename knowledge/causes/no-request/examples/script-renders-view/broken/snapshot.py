"""Nightly job: save a static copy of the dashboard for the last 30 days."""

from pathlib import Path

from dashboard import app, dashboard

with app.app_context():
    html = dashboard()

Path("dashboard-30d.html").write_text(html)
print("saved", len(html), "bytes")
