"""Drawing: rich against a fixed-width StringIO console, plus text, markdown and JSON."""

from __future__ import annotations

import io
import json
import re

import pytest
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
    framed = [line for line in out.splitlines() if line[:1] in "│╭╰"]
    assert framed and all(len(line) <= 100 for line in framed), "panels fit the console"


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
    assert doc["report_version"] == 2
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


def _spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


@pytest.mark.parametrize("width", [50, 60, 80, 100, 140])
def test_table_fits_the_width_and_keeps_inline_code_whole(kb, width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    text = render.render_table(kb, "text")
    assert all(len(line) <= width for line in text.splitlines()), "prose fits the terminal"
    for cause in kb.causes.values():
        for span in _spans(cause.quick_reference["fix"]) + _spans(
            cause.quick_reference["scenario"]
        ):
            assert f"`{span}`" in text, f"{span!r} is cut or split across lines"
    flat = " ".join(text.split())
    for cause in kb.causes.values():
        assert " ".join(cause.quick_reference["fix"].split()) in flat

    buf = io.StringIO()
    render.render_table(kb, "rich", Console(file=buf, width=width, color_system=None))
    drawn = buf.getvalue()
    assert "…" not in drawn, "nothing is cut short"
    assert "`" not in drawn, "inline code is drawn as code, not as backticks"
    assert all(len(line) <= width for line in drawn.splitlines())
    for cause in kb.causes.values():
        for span in _spans(cause.quick_reference["fix"]):
            assert span in drawn, f"{span!r} is split across lines at {width} columns"


def test_table_puts_prose_beside_the_cause_only_when_it_has_room(kb, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    narrow = render.render_table(kb, "text").splitlines()
    assert narrow[0] == next(iter(kb.causes)), "the cause on a line of its own"
    assert narrow[1].startswith("  ") and not narrow[1].startswith("   ")
    monkeypatch.setenv("COLUMNS", "100")
    wide = render.render_table(kb, "text").splitlines()
    first = next(iter(kb.causes))
    assert wide[0].startswith(first + " ") and wide[0][len(first) :].strip()


def test_inline_code_is_drawn_as_code_in_colour(kb):
    buf = io.StringIO()
    render.render_table(kb, "rich", Console(file=buf, width=100, force_terminal=True))
    drawn = buf.getvalue()
    code = Console(file=io.StringIO()).get_style("markdown.code")
    assert code.bold and "`" not in drawn
    assert re.search(r"\x1b\[[0-9;]*mcurrent_app\._get_current_object\(\)", drawn)


def test_wrap_keeps_inline_code_whole():
    from ctxfix.render.text import words, wrap

    assert words("a `b c` d") == ["a", "`b c`", "d"]
    assert words("Pass `x y`; then") == ["Pass", "`x y`;", "then"]
    assert words("an `unclosed span") == ["an", "`unclosed", "span"]
    assert (
        wrap("-> `with app.app_context():` inside", 12) == "->\n`with app.app_context():`\ninside"
    )


def test_fill_uses_values_then_defaults():
    text = "def {{function|work}}(app):\n    {{ proxy | current_app }}.name"
    assert render.fill(text, {}) == "def work(app):\n    current_app.name"
    assert render.fill(text, {"function": "send_mail"}).startswith("def send_mail(app)")


def _code_lines(row) -> set[str]:
    return {line for b in (*row.fixes, row.verify) for line in b.code.splitlines()}


@pytest.mark.parametrize("columns", ["60", "40"])
def test_plain_text_prose_fits_columns_and_code_is_never_wrapped(
    kb, real_tracebacks, monkeypatch, columns
):
    monkeypatch.setenv("COLUMNS", columns)
    outcome = outcome_for(kb, real_tracebacks["thread"])
    out = render.render_text(outcome, kb)
    (row,) = render.report_rows(outcome, kb)
    code = _code_lines(row)
    assert any(len(line) > int(columns) for line in code), "needs a code line wider than that"
    lines = out.splitlines()
    for line in code:
        assert line in lines, f"code line not whole and flush left: {line!r}"
    where = row.code or ""
    for line in lines:
        words = line.split()
        one_long_word = len(words) == 1 or (len(words) == 2 and words[0].endswith(":"))
        if line not in code and where not in line and not one_long_word:
            assert len(line) <= int(columns), f"prose wider than {columns}: {line!r}"


@pytest.mark.parametrize("columns", ["0", "-3", "abc", " ", "1"])
def test_columns_that_make_no_sense_fall_back_and_still_print(
    runner, kb, real_tracebacks, monkeypatch, columns
):
    from ctxfix.cli import cli
    from ctxfix.render.text import MIN_WIDTH, terminal_width

    monkeypatch.setenv("COLUMNS", columns)
    width = terminal_width()
    assert width == (MIN_WIDTH if columns == "1" else 80)  # no terminal under pytest
    result = runner.invoke(
        cli, ["explain"], input=real_tracebacks["thread"], env={"COLUMNS": columns}
    )
    assert result.exit_code == 0
    assert "Fix: " in result.stdout


def test_rich_report_draws_code_outside_panels(kb, real_tracebacks):
    buf = io.StringIO()
    console = Console(file=buf, width=60, color_system=None)
    outcome = outcome_for(kb, real_tracebacks["thread"])
    render.render_rich(outcome, kb, console)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    (row,) = render.report_rows(outcome, kb)
    for line in _code_lines(row):
        assert line.rstrip() in lines, f"code line not whole and flush left: {line!r}"
