"""The plain-text report: what piped output, NO_COLOR and ``--no-color`` show.

Prose is wrapped to the terminal's width; code never is. Code blocks are printed flush left
between blank lines, so that selecting them copies valid Python.
"""

from __future__ import annotations

import os
from typing import Optional

from ctxfix.engine import Outcome
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import CodeBlock, FindingRow, report_rows, summary_line

__all__ = [
    "code_block",
    "render_quiet",
    "render_text",
    "short_line",
    "summary_list",
    "terminal_width",
    "wrap",
]

DEFAULT_WIDTH = 80
MIN_WIDTH = 40
"""Prose is never wrapped narrower than this, whatever the terminal says."""


def terminal_width() -> int:
    """The width prose is wrapped to: COLUMNS, then the terminal's size, then 80.

    A COLUMNS that is not a positive number is ignored; stdout is asked first, then stderr (for
    output piped into a pager from a terminal).
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    for fd in (1, 2):
        try:
            size = os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
        if size > 0:
            return max(MIN_WIDTH, size)
    return DEFAULT_WIDTH


def code_block(block: CodeBlock, heading: str) -> list[str]:
    """A titled code block: the heading, then the code flush left between blank lines."""
    return [heading, "", block.code, ""]


def words(text: str) -> list[str]:
    """The words of prose: split at spaces, except inside `inline code`, which stays whole."""
    if "`" not in text or text.count("`") % 2:
        return text.split()
    out: list[str] = []
    word: list[str] = []
    code = False
    for ch in text:
        if ch == "`":
            code = not code
        if code or not ch.isspace():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out


def wrap(text: str, width: int = 88, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap prose greedily at spaces (textwrap.fill's job, without textwrap's import cost).

    A word longer than the width stays whole on a line of its own, and so does `inline code`.
    """
    lines: list[str] = []
    line = initial_indent
    fresh = True
    for word in words(text):
        if not fresh and len(line) + 1 + len(word) > width:
            lines.append(line)
            line, fresh = subsequent_indent, True
        line = line + word if fresh else f"{line} {word}"
        fresh = False
    lines.append(line)
    return "\n".join(lines)


def _field(label: str, value: str, width: int) -> str:
    return wrap(value, width, f"{label + ':':<11}", " " * 11)


def _finding(row: FindingRow, verbose: bool, width: int) -> list[str]:
    out = ["", wrap(f"== {row.index}. {row.title} ==", width, "", "   ")]
    out.append(_field("Error", row.error, width))
    out.append(_field("Cause", row.cause_label, width))
    if row.maybe:
        out.append(_field("Maybe", ", ".join(row.maybe), width))
    if row.failed:
        out.append(_field("Failed", row.failed, width))
    out.append(_field("Where", row.where, width))
    if row.code:
        out.append(f"{'':11}{row.code}")  # your line of code, whole
    if row.seen:
        out.append(_field("Seen", row.seen, width))
    if row.flask:
        out.append(_field("Flask", f"{row.flask} (from what was printed)", width))
    out.append("Evidence:")
    out += [wrap(e, width, "  - ", "    ") for e in row.evidence]
    if verbose and row.frame_reasons:
        out.append("Your frame:")
        out += [wrap(r, width, "  - ", "    ") for r in row.frame_reasons]
    if verbose and row.tree:
        out.append("Tree:")
        out += [wrap(t, width, "  - ", "    ") for t in row.tree]
    if verbose and row.scores:
        out.append(_field("Scores", row.scores, width))
    out.append("Why:")
    out.append(wrap(row.why, width, "  ", "  "))
    for fix in row.fixes:
        out += code_block(fix, wrap(f"Fix: {fix.title}", width, "", "     "))
    out += code_block(row.verify, wrap(f"{row.verify.title}:", width))
    qr = row.quick_reference
    out.append(wrap(f"Quick reference: {qr['scenario']} -> {qr['fix']}", width, "", "  "))
    if row.next_step:
        out.append(wrap(row.next_step, width))
    if row.more:
        out.append(f"More: {row.more}")
    return out


def _cause(row: FindingRow) -> str:
    if row.cause is not None:
        return row.cause
    return "not settled" + (f": {', '.join(row.maybe)}" if row.maybe else "")


def short_line(row: FindingRow) -> str:
    """One finding in one line: ``path:line: cause (family)``, ``-`` for no location."""
    return f"{row.at}: {_cause(row)} ({row.family})"


def summary_list(rows: list[FindingRow]) -> list[str]:
    """With several findings, the list that comes before them: number, cause and location."""
    if len(rows) < 2:
        return []
    causes = [f"{_cause(row)} ({row.family})" for row in rows]
    number = len(str(len(rows)))
    wide = min(max(map(len, causes)), 40)
    return [
        f"  {row.index:>{number}}. {cause:<{wide}}  {row.at}".rstrip()
        for row, cause in zip(rows, causes)
    ]


def render_quiet(outcome: Outcome, kb: KnowledgeBase) -> str:
    """``explain -q``: one line per finding and nothing else."""
    return "".join(short_line(row) + "\n" for row in report_rows(outcome, kb))


def render_text(
    outcome: Outcome, kb: KnowledgeBase, verbose: bool = False, width: Optional[int] = None
) -> str:
    """The plain-text report; prose fits ``width`` (the terminal's, when not given)."""
    width = width or terminal_width()
    rows = report_rows(outcome, kb)
    out = [f"ctxfix: {summary_line(outcome)}", *summary_list(rows)]
    for row in rows:
        out += _finding(row, verbose, width)
    return "\n".join(out) + "\n"
