"""Drawing: rich against a fixed-width StringIO console, plus text, markdown and JSON."""

from __future__ import annotations

import io
import json

from rich.console import Console

from ctxfix import engine, render


def outcome_for(kb, text: str) -> engine.Outcome:
    return engine.explain_lines(kb, text.splitlines())


def test_rich_report_on_a_fixed_console(kb, real_tracebacks):
    buf = io.StringIO()
    console = Console(file=buf, width=100, color_system=None)
    render.render_rich(outcome_for(kb, real_tracebacks["thread"]), kb, console)
    out = buf.getvalue()
    assert "1 Flask context error found" in out
    assert "background-thread (app-data)" in out
    assert "send_receipt" in out
    assert "current_app._get_current_object()" in out
    assert "ctxfix show background-thread" in out
    assert all(len(line) <= 100 for line in out.splitlines())


def test_text_report_has_each_section(kb, real_tracebacks):
    out = render.render_text(outcome_for(kb, real_tracebacks["url_for"]), kb)
    assert "Cause:     url-for-no-server-name" in out
    assert "SERVER_NAME" in out
    assert "More: ctxfix show url-for-no-server-name" in out


def test_unsettled_finding_shows_family_page_and_next_step(kb):
    out = render.render_text(
        outcome_for(kb, "RuntimeError: Working outside of request context."), kb
    )
    assert "scenario not settled" in out
    assert "--answer where-request=" in out


def test_summary_when_nothing_found(kb, real_tracebacks):
    o = outcome_for(kb, real_tracebacks["unrelated"])
    assert render.summary_line(o).startswith("1 traceback or error found, none is")


def test_json_report_is_serialisable_and_versioned(kb, real_tracebacks):
    doc = json.loads(render.render_json(outcome_for(kb, real_tracebacks["script"]).findings, kb))
    assert doc["report_version"] == 1
    assert doc["findings"][0]["cause"] == "standalone-script"


def test_cause_page_markdown_and_text(kb):
    cause = kb.causes["streaming-response"]
    md = render.render_cause(cause, "markdown")
    assert md.startswith("# `streaming-response`")
    assert "## Why" in md and "```python" in md and "## Quick reference" in md
    text = render.render_cause(cause, "text")
    assert "stream_with_context" in text and "```" not in text


def test_table_formats(kb):
    md = render.render_table(kb, "markdown")
    assert md.count("\n") == len(kb.causes) + 2
    buf = io.StringIO()
    render.render_table(kb, "rich", Console(file=buf, width=120, color_system=None))
    assert "quick reference" in buf.getvalue()
    assert all(cid in buf.getvalue() for cid in kb.causes)


def test_fill_uses_values_then_defaults():
    text = "def {{function|work}}(app):\n    {{ proxy | current_app }}.name"
    assert render.fill(text, {}) == "def work(app):\n    current_app.name"
    assert render.fill(text, {"function": "send_mail"}).startswith("def send_mail(app)")
