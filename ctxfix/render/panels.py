"""The report drawn with rich for a terminal.

Panels frame prose only. Code is printed below them, highlighted, flush left and never wrapped
(rich's soft wrap leaves long lines to the terminal), so selecting it copies valid Python.
"""

from __future__ import annotations

from typing import Any

from ctxfix.engine import Outcome
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import CodeBlock, FindingRow, report_rows, summary_line

__all__ = ["print_code", "print_markdown", "render_rich"]

_THEME = "ansi_dark"


def _highlighted(code: str, lexer: str = "python") -> Any:
    from rich.syntax import Syntax

    text = Syntax(code, lexer, theme=_THEME, background_color="default").highlight(code)
    text.rstrip()
    return text


def print_code(console: Any, block: CodeBlock, heading: str, style: str = "bold") -> None:
    """A heading, then the code flush left and unwrapped, between blank lines."""
    from rich.text import Text

    console.print(Text(heading, style=style))
    console.print()
    console.print(_highlighted(block.code), soft_wrap=True)
    console.print()


def _panel(row: FindingRow, verbose: bool) -> Any:
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
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
        line = _highlighted(row.code)
        line.no_wrap, line.overflow = True, "ellipsis"  # the whole line is in your file
        head.add_row("", line)
    if row.seen:
        head.add_row("Seen", Text(row.seen))
    if row.flask:
        head.add_row("Flask", Text(f"{row.flask} (from what was printed)"))
    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(no_wrap=True)
    bullets.add_column()
    for e in row.evidence:
        bullets.add_row("  •", Text(e))
    if verbose:
        notes = [*row.frame_reasons, *row.tree]
        notes += [f"scores: {row.scores}"] if row.scores else []
        for note in notes:
            bullets.add_row("  ·", Text(note, style="dim"))
    parts: list[Any] = [head, Text("\nEvidence", style="bold"), bullets]
    parts += [Text("\nWhy", style="bold"), Text(row.why), Text("")]
    qr = row.quick_reference
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
    """Draw the report: a panel of prose per finding, its code below it (terminals only)."""
    from rich.text import Text

    from ctxfix.render.text import summary_list

    rows = report_rows(outcome, kb)
    console.print(Text(f"ctxfix: {summary_line(outcome)}", style="bold"))
    for line in summary_list(rows):
        console.print(Text(line), no_wrap=True, overflow="ignore", crop=False)
    for row in rows:
        console.print(_panel(row, verbose))
        for fix in row.fixes:
            print_code(console, fix, f"Fix: {fix.title}", "bold green")
        print_code(console, row.verify, row.verify.title)


def print_markdown(console: Any, markdown: str) -> None:
    """Draw a Markdown page: prose through rich's Markdown, ```python blocks as code."""
    from rich.markdown import Markdown

    prose: list[str] = []
    code: list[str] = []
    fence = None
    lexer = "python"
    for line in markdown.splitlines():
        if fence is None and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
            lexer = line[len(fence) :].strip() or "text"
            if prose:
                console.print(Markdown("\n".join(prose)))
                console.print()
                prose = []
        elif fence is not None and line.rstrip() == fence:
            console.print(_highlighted("\n".join(code), lexer), soft_wrap=True)
            console.print()
            fence, code = None, []
        elif fence is not None:
            code.append(line)
        else:
            prose.append(line)
    if prose:
        console.print(Markdown("\n".join(prose)))
