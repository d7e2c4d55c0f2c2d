"""The report drawn with rich for a terminal: highlighted code and framed prose."""

from __future__ import annotations

from typing import Any

from ctxfix.engine import Outcome
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import FindingRow, report_rows, summary_line

__all__ = ["render_rich"]


def _finding(row: FindingRow, verbose: bool) -> Any:
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 1))
    head.add_column(style="bold cyan", no_wrap=True)
    head.add_column()
    head.add_row("Error", Text(row.error))
    head.add_row("Cause", Text(row.cause_label, style="bold green" if row.settled else "yellow"))
    if row.maybe:
        head.add_row("Maybe", Text(", ".join(row.maybe)))
    if row.failed:
        head.add_row("Failed", Text(row.failed))
    head.add_row("Where", Text(row.where))
    if row.code:
        head.add_row("", Syntax(row.code, "python", theme="ansi_dark", word_wrap=True))
    if row.seen:
        head.add_row("Seen", Text(row.seen))
    if row.flask:
        head.add_row("Flask", Text(f"{row.flask} (from what was printed)"))
    parts: list[Any] = [head, Text("\nEvidence", style="bold")]
    parts += [Text(f"  • {e}") for e in row.evidence]
    if verbose:
        parts += [Text(f"  · {r}", style="dim") for r in row.frame_reasons]
        parts += [Text(f"  · {t}", style="dim") for t in row.tree]
        if row.scores:
            parts.append(Text(f"  · scores: {row.scores}", style="dim"))
    parts += [Text("\nWhy", style="bold"), Text(row.why)]
    for fix in row.fixes:
        parts.append(Text(f"\nFix: {fix.title}", style="bold green"))
        parts.append(Syntax(fix.code, "python", theme="ansi_dark", word_wrap=True))
    parts.append(Text(f"\n{row.verify.title}", style="bold"))
    parts.append(Syntax(row.verify.code, "python", theme="ansi_dark", word_wrap=True))
    qr = row.quick_reference
    parts.append(Text(""))
    parts.append(Markdown(f"**Quick reference:** {qr['scenario']} → {qr['fix']}"))
    if row.next_step:
        parts.append(Text(row.next_step, style="yellow"))
    return Panel(
        Group(*parts),
        title=f"{row.index}. {row.title}",
        subtitle=row.more,
        title_align="left",
        subtitle_align="right",
    )


def render_rich(outcome: Outcome, kb: KnowledgeBase, console: Any, verbose: bool = False) -> None:
    """Draw the report as rich panels with highlighted code (terminals only)."""
    from rich.text import Text

    console.print(Text(f"ctxfix: {summary_line(outcome)}", style="bold"))
    for row in report_rows(outcome, kb):
        console.print(_finding(row, verbose))
