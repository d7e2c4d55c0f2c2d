"""The plain-text report: what piped output, NO_COLOR and ``--no-color`` show."""

from __future__ import annotations

from ctxfix.engine import Outcome
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import FindingRow, report_rows, summary_line

__all__ = ["indent", "render_text", "wrap"]


def wrap(text: str, width: int = 88, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap prose greedily at spaces (textwrap.fill's job, without textwrap's import cost)."""
    lines: list[str] = []
    line = initial_indent
    fresh = True
    for word in text.split():
        if not fresh and len(line) + 1 + len(word) > width:
            lines.append(line)
            line, fresh = subsequent_indent, True
        line = line + word if fresh else f"{line} {word}"
        fresh = False
    lines.append(line)
    return "\n".join(lines)


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + ln if ln.strip() else ln for ln in text.split("\n"))


def _finding(row: FindingRow, verbose: bool, width: int) -> list[str]:
    out = ["", f"== {row.index}. {row.title} =="]
    out.append(f"Error:     {row.error}")
    out.append(f"Cause:     {row.cause_label}")
    if row.maybe:
        out.append(f"Maybe:     {', '.join(row.maybe)}")
    if row.failed:
        out.append(f"Failed:    {row.failed}")
    out.append(f"Where:     {row.where}")
    if row.code:
        out.append(f"           {row.code}")
    if row.seen:
        out.append(f"Seen:      {row.seen}")
    if row.flask:
        out.append(f"Flask:     {row.flask} (from what was printed)")
    out.append("Evidence:")
    out += [wrap(e, width, "  - ", "    ") for e in row.evidence]
    if verbose and row.frame_reasons:
        out.append("Your frame:")
        out += [wrap(r, width, "  - ", "    ") for r in row.frame_reasons]
    if verbose and row.tree:
        out.append("Tree:")
        out += [wrap(t, width, "  - ", "    ") for t in row.tree]
    if verbose and row.scores:
        out.append(f"Scores:    {row.scores}")
    out.append("Why:")
    out.append(wrap(row.why, width, "  ", "  "))
    for fix in row.fixes:
        out.append(f"Fix: {fix.title}")
        out.append(indent(fix.code, "    "))
    out.append(f"{row.verify.title}:")
    out.append(indent(row.verify.code, "    "))
    qr = row.quick_reference
    out.append(f"Quick reference: {qr['scenario']} -> {qr['fix']}")
    if row.next_step:
        out.append(wrap(row.next_step, width))
    if row.more:
        out.append(f"More: {row.more}")
    return out


def render_text(outcome: Outcome, kb: KnowledgeBase, verbose: bool = False, width: int = 88) -> str:
    """The plain-text report."""
    out = [f"ctxfix: {summary_line(outcome)}"]
    for row in report_rows(outcome, kb):
        out += _finding(row, verbose, width)
    return "\n".join(out) + "\n"
