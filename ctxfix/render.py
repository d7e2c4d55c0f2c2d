"""Draw diagnoses and knowledge as plain text, rich panels, Markdown, JSON or CSV.

Everything here takes the engine's dataclasses and decides nothing about Flask. rich (and through
it pygments) is imported only when drawing to a terminal, so piped output stays fast.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ctxfix.engine import Finding, Outcome, choice_key, fill
from ctxfix.knowledge import Cause, KnowledgeBase

REPORT_VERSION = 1

__all__ = [
    "REPORT_VERSION",
    "VerifyProgress",
    "finding_record",
    "render_cause",
    "render_json",
    "render_rich",
    "render_table",
    "render_text",
    "render_verify_rich",
    "render_verify_text",
    "summary_line",
]


def _fill(text: str, width: int = 88, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap ``text`` greedily at spaces (textwrap.fill's job, without textwrap's import cost)."""
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


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + ln if ln.strip() else ln for ln in text.split("\n"))


def _page(f: Finding, kb: KnowledgeBase) -> Cause:
    """The cause page for a finding, or its family's page when the cause is not settled."""
    return f.cause if f.cause is not None else kb.families[f.family]


def _fix_text(f: Finding, kb: KnowledgeBase) -> list[tuple[str, str]]:
    page = _page(f, kb)
    values = f.placeholders()
    return [(s.title, fill(s.code, values).rstrip()) for s in page.fixes_for(f.variant)]


def _verify_text(f: Finding, kb: KnowledgeBase) -> str:
    return fill(_page(f, kb).verify_for(f.variant), f.placeholders()).rstrip()


def finding_record(f: Finding, kb: KnowledgeBase) -> dict[str, Any]:
    """One finding as the JSON report describes it (report_version 1)."""
    page = _page(f, kb)
    loc = f.location
    fixes = _fix_text(f, kb)
    title = page.title
    if f.cause is not None and f.variant and f.cause.variant(f.variant):
        title = f"{page.title}: {f.cause.variant(f.variant).title}"  # type: ignore[union-attr]
    return {
        "cause": f.cause_id,
        "variant": f.variant,
        "candidates": list(f.candidates),
        "error": f.family,
        "exception": {"type": f.exc_type, "message": f.message},
        "proxy": f.proxy,
        "location": (
            {"path": loc.path, "line": loc.line, "function": loc.function, "code": loc.code}
            if loc is not None
            else None
        ),
        "evidence": list(f.evidence),
        "title": title,
        "why": page.why,
        "fix": "\n\n".join(f"# {t}\n{code}" for t, code in fixes),
        "verify": _verify_text(f, kb),
        "quick_reference": dict(page.quick_reference),
        "occurrences": f.occurrences,
        "lines": {"first": f.first_line, "last": f.last_line},
        "source": f.source,
        "flask_version": f.flask_version,
        "pending_question": f.pending,
        "frame_reasons": list(f.frame_reasons),
    }


def render_json(findings: list[Finding], kb: KnowledgeBase) -> str:
    doc = {"report_version": REPORT_VERSION, "findings": [finding_record(f, kb) for f in findings]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def summary_line(outcome: Outcome) -> str:
    """What explain found, in one line: used when it found no context error too."""
    n = outcome.tracebacks
    errs = len(outcome.findings)
    occ = sum(f.occurrences for f in outcome.findings)
    if errs:
        s = f"{occ} Flask context error{'s' if occ != 1 else ''}"
        if errs != occ:
            s += f" ({errs} distinct)"
        return s + " found"
    if n == 0:
        return "no traceback or error message found in the input"
    what = f"{n} traceback{'s' if n != 1 else ''} or error{'s' if n != 1 else ''}"
    others = sorted(set(outcome.other_errors))
    tail = f": {'; '.join(others[:3])}" if others else ""
    if outcome.truncated and not others:
        tail = " (cut off before the error line, with nothing pointing at a Flask context)"
    return f"{what} found, none is a Flask context error{tail}"


def _error_line(f: Finding) -> str:
    if not f.headline and f.truncated:
        return f"{f.family} error (the paste ends before its error line)"
    if not f.headline:
        return f"{f.family} error (from your answers)"
    exc = f"{f.exc_type}: " if f.exc_type else ""
    return f"{exc}{f.headline}  [{f.family}]"


def _where(f: Finding) -> str:
    loc = f.location
    if loc is None:
        return "not in the input (no frames)"
    s = f"{loc.path}:{loc.line}" if loc.line else loc.path
    return f"{s} in {loc.function}" if loc.function else s


def _cause_label(f: Finding) -> str:
    if f.cause is None:
        return "not settled by the input"
    return f"{f.cause.id} ({f.variant})" if f.variant else f.cause.id


def _next_step(f: Finding, kb: KnowledgeBase) -> Optional[str]:
    if f.pending and f.pending in kb.questions:
        q = kb.questions[f.pending]
        opts = ", ".join(choice_key(ch, i, kb) for i, ch in enumerate(q.choices))
        return (
            f"To settle it: {q.text} Run `ctxfix diagnose`, or add "
            f"`--answer {q.id}=CHOICE` (CHOICE: {opts})."
        )
    return None


def render_text(outcome: Outcome, kb: KnowledgeBase, verbose: bool = False, width: int = 88) -> str:
    """The plain-text report: what piped output and `--no-color` show."""
    out: list[str] = [f"ctxfix: {summary_line(outcome)}"]
    for i, f in enumerate(outcome.findings, 1):
        page = _page(f, kb)
        out.append("")
        title = page.title if f.cause is not None else f"{page.title} (scenario not settled)"
        out.append(f"== {i}. {title} ==")
        out.append(f"Error:     {_error_line(f)}")
        out.append(f"Cause:     {_cause_label(f)}")
        if f.cause is None and f.candidates:
            out.append(f"Maybe:     {', '.join(f.candidates)}")
        if f.proxy:
            out.append(f"Failed:    {f.proxy}")
        out.append(f"Where:     {_where(f)}")
        if f.location is not None and f.location.code:
            out.append(f"           {f.location.code}")
        if f.occurrences > 1 or f.source:
            src = f"{f.source}, " if f.source else ""
            lines = (
                f"lines {f.first_line}-{f.last_line}"
                if f.last_line != f.first_line
                else f"line {f.first_line}"
            )
            out.append(
                f"Seen:      {f.occurrences} time{'s' if f.occurrences != 1 else ''} ({src}{lines})"
            )
        if f.flask_version:
            out.append(f"Flask:     {f.flask_version} (from what was printed)")
        out.append("Evidence:")
        for e in f.evidence:
            out.append(_fill(e, width, initial_indent="  - ", subsequent_indent="    "))
        if verbose and f.frame_reasons:
            out.append("Your frame:")
            for r in f.frame_reasons:
                out.append(_fill(r, width, initial_indent="  - ", subsequent_indent="    "))
        if verbose and f.answered:
            out.append("Tree:")
            for qid, label, how in f.answered:
                text = kb.questions[qid].text if qid in kb.questions else qid
                out.append(_fill(f"{text} -> {label} (from {how})", width, "  - ", "    "))
        if verbose and f.scores:
            ranked = sorted(f.scores.items(), key=lambda kv: -kv[1])
            out.append("Scores:    " + ", ".join(f"{c} {s:g}" for c, s in ranked))
        out.append("Why:")
        out.append(_fill(page.why, width, initial_indent="  ", subsequent_indent="  "))
        for title_, code in _fix_text(f, kb):
            out.append(f"Fix: {title_}")
            out.append(_indent(code, "    "))
        out.append("Verify (paste where the error was):")
        out.append(_indent(_verify_text(f, kb), "    "))
        qr = page.quick_reference
        out.append(f"Quick reference: {qr['scenario']} -> {qr['fix']}")
        nxt = _next_step(f, kb)
        if nxt:
            out.append(_fill(nxt, width))
        if f.cause is not None:
            out.append(f"More: ctxfix show {f.cause.id}")
    return "\n".join(out) + "\n"


def render_rich(outcome: Outcome, kb: KnowledgeBase, console: Any, verbose: bool = False) -> None:
    """Draw the report as rich panels with highlighted code (terminals only)."""
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    console.print(Text(f"ctxfix: {summary_line(outcome)}", style="bold"))
    for i, f in enumerate(outcome.findings, 1):
        page = _page(f, kb)
        head = Table.grid(padding=(0, 1))
        head.add_column(style="bold cyan", no_wrap=True)
        head.add_column()
        head.add_row("Error", Text(_error_line(f)))
        head.add_row("Cause", Text(_cause_label(f), style="bold green" if f.cause else "yellow"))
        if f.cause is None and f.candidates:
            head.add_row("Maybe", Text(", ".join(f.candidates)))
        if f.proxy:
            head.add_row("Failed", Text(f.proxy))
        head.add_row("Where", Text(_where(f)))
        if f.location is not None and f.location.code:
            head.add_row("", Syntax(f.location.code, "python", theme="ansi_dark", word_wrap=True))
        if f.occurrences > 1:
            head.add_row(
                "Seen", Text(f"{f.occurrences} times (lines {f.first_line}-{f.last_line})")
            )
        if f.flask_version:
            head.add_row("Flask", Text(f"{f.flask_version} (from what was printed)"))
        parts: list[Any] = [head]
        parts.append(Text("\nEvidence", style="bold"))
        for e in f.evidence:
            parts.append(Text(f"  • {e}"))
        if verbose:
            for r in f.frame_reasons:
                parts.append(Text(f"  · {r}", style="dim"))
        parts.append(Text("\nWhy", style="bold"))
        parts.append(Text(page.why))
        for title_, code in _fix_text(f, kb):
            parts.append(Text(f"\nFix: {title_}", style="bold green"))
            parts.append(Syntax(code, "python", theme="ansi_dark", word_wrap=True))
        parts.append(Text("\nVerify (paste where the error was)", style="bold"))
        parts.append(Syntax(_verify_text(f, kb), "python", theme="ansi_dark", word_wrap=True))
        qr = page.quick_reference
        parts.append(Text(""))
        parts.append(Markdown(f"**Quick reference:** {qr['scenario']} → {qr['fix']}"))
        nxt = _next_step(f, kb)
        if nxt:
            parts.append(Text(nxt, style="yellow"))
        title = page.title if f.cause is not None else f"{page.title} (scenario not settled)"
        subtitle = f"ctxfix show {f.cause.id}" if f.cause is not None else None
        console.print(
            Panel(
                Group(*parts),
                title=f"{i}. {title}",
                subtitle=subtitle,
                title_align="left",
                subtitle_align="right",
            )
        )


# ---------------------------------------------------------------------------------------------
# Knowledge pages


def _for_variant(snippet: Any) -> str:
    return f" (variant {snippet.variant})" if snippet.variant else ""


def render_cause(cause: Cause, fmt: str = "text") -> str:
    """One cause's whole page, like `rustc --explain`: text or markdown."""
    md = fmt == "markdown"
    out: list[str] = []
    if md:
        out += [f"# `{cause.id}`: {cause.title}", "", cause.summary, ""]
        out += [f"Error families: {', '.join(f'`{x}`' for x in cause.families)}", ""]
        out += ["## Why", "", _fill(cause.why, 100), ""]
        out += ["## Fix", ""]
        for s in cause.fix:
            out += [
                f"### {s.title}{_for_variant(s)}",
                "",
                "```python",
                fill(s.code, {}).rstrip(),
                "```",
                "",
            ]
        for v in cause.variants:
            out += [f"## Variant `{v.id}`: {v.title}", ""]
            if v.summary:
                out += [v.summary, ""]
            for s in v.fix:
                out += [f"### {s.title}", "", "```python", fill(s.code, {}).rstrip(), "```", ""]
            if v.verify:
                out += ["Verify:", "", "```python", fill(v.verify, {}).rstrip(), "```", ""]
        out += ["## Verify", "", "```python", fill(cause.verify, {}).rstrip(), "```", ""]
        out += [
            "## Quick reference",
            "",
            "| Scenario | Fix |",
            "|---|---|",
            f"| {cause.quick_reference['scenario']} | {cause.quick_reference['fix']} |",
            "",
        ]
        if cause.versions:
            out += ["## By Flask version", ""]
            out += [f"- **{v['flask'] or 'all'}**: {v['note']}" for v in cause.versions]
            out += [""]
        if cause.references:
            out += ["## References", ""] + [f"- <{r}>" for r in cause.references] + [""]
        return "\n".join(out)
    out += [f"{cause.id}: {cause.title}", "=" * min(88, len(cause.id) + len(cause.title) + 2)]
    out += [_fill(cause.summary, 88), ""]
    out += [f"Error families: {', '.join(cause.families)}", ""]
    out += ["Why", _fill(cause.why, 88, initial_indent="  ", subsequent_indent="  "), ""]
    for s in cause.fix:
        out += [f"Fix: {s.title}{_for_variant(s)}", _indent(fill(s.code, {}).rstrip(), "    "), ""]
    for v in cause.variants:
        out += [f"Variant {v.id}: {v.title}"]
        if v.summary:
            out += [_fill(v.summary, 88, initial_indent="  ", subsequent_indent="  ")]
        for s in v.fix:
            out += [f"  Fix: {s.title}", _indent(fill(s.code, {}).rstrip(), "      ")]
        if v.verify:
            out += ["  Verify:", _indent(fill(v.verify, {}).rstrip(), "      ")]
        out += [""]
    out += [
        "Verify (paste where the error was)",
        _indent(fill(cause.verify, {}).rstrip(), "    "),
        "",
    ]
    qr = cause.quick_reference
    out += [f"Quick reference: {qr['scenario']} -> {qr['fix']}", ""]
    if cause.versions:
        out += ["By Flask version"]
        for v in cause.versions:
            out += [
                _fill(
                    f"{v['flask'] or 'all'}: {v['note']}",
                    88,
                    initial_indent="  - ",
                    subsequent_indent="    ",
                )
            ]
        out += [""]
    if cause.references:
        out += ["References"] + [f"  {r}" for r in cause.references]
    return "\n".join(out).rstrip() + "\n"


def render_table(kb: KnowledgeBase, fmt: str, console: Any = None) -> Optional[str]:
    """The quick-reference table of every cause: rich (drawn on console), markdown, json or csv."""
    rows = [
        (c.id, c.quick_reference["scenario"], c.quick_reference["fix"]) for c in kb.causes.values()
    ]
    if fmt == "json":
        return json.dumps(
            {
                "report_version": REPORT_VERSION,
                "rows": [{"cause": c, "scenario": s, "fix": f} for c, s, f in rows],
            },
            indent=2,
            ensure_ascii=False,
        )
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["cause", "scenario", "fix"])
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":
        lines = ["| Cause | Scenario | Fix |", "|---|---|---|"]
        lines += ["| `{}` | {} | {} |".format(c, s, f.replace("|", "\\|")) for c, s, f in rows]
        return "\n".join(lines) + "\n"
    if fmt == "text" or console is None:
        wid = max(len(c) for c, _, _ in rows)
        return "\n".join(f"{c:<{wid}}  {s}\n{'':<{wid}}  -> {f}" for c, s, f in rows) + "\n"
    from rich.table import Table

    t = Table(title="ctxfix quick reference", show_lines=True)
    t.add_column("Cause", style="bold cyan", no_wrap=True)
    t.add_column("Scenario")
    t.add_column("Fix", style="green")
    for c, s, f in rows:
        t.add_row(c, s, f)
    console.print(t)
    return None


# ---------------------------------------------------------------------------------------------
# verify reports (`ctxfix verify`): drawing only; ctxfix.verify decides.


def _verify_mark(ok: bool, result: Any) -> str:
    return "-" if result.skipped is not None else ("yes" if ok else "NO")


def _verify_rows(report: Any) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    for r in report.results:
        when = f"{r.seconds:.1f}s" if r.seconds else ""
        rows.append(
            (
                r.cause,
                r.example,
                _verify_mark(r.reproduced, r),
                _verify_mark(r.diagnosed, r),
                _verify_mark(r.fixed, r),
                when,
            )
        )
    return rows


def _verify_details(r: Any, verbose: bool) -> list[str]:
    out = []
    if r.skipped is not None:
        out.append(f"skipped: {r.skipped}")
    elif not r.passed:
        out.extend(r.problems)
    out.extend(r.notes)
    if verbose and r.failed:
        for name, text in (("broken", r.broken_output), ("fixed", r.fixed_output)):
            tail = text.rstrip().splitlines()[-25:]
            if tail:
                out.append(f"{name} printed (last {len(tail)} lines):")
                out.extend(f"  | {line}" for line in tail)
    return out


def render_verify_text(report: Any, verbose: bool = False) -> str:
    """The verify table as plain text: a row per example, problems indented under failures."""
    head = ("cause", "example", "broken", "explain", "fixed", "time")
    rows = _verify_rows(report)
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(6)] if rows else []
    out: list[str] = []
    if rows:
        out.append("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
        for row, r in zip(rows, report.results):
            out.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            out.extend(f"    {line}" for line in _verify_details(r, verbose))
        out.append("")
    out.append(report.summary())
    return "\n".join(out) + "\n"


def render_verify_rich(report: Any, console: Any, verbose: bool = False) -> None:
    """The verify table drawn with rich (terminals only)."""
    from rich.table import Table
    from rich.text import Text

    rows = _verify_rows(report)
    t = Table(show_lines=False, title="ctxfix verify")
    for i, (name, style) in enumerate(
        (
            ("Cause", "bold cyan"),
            ("Example", ""),
            ("Broken", ""),
            ("Explain", ""),
            ("Fixed", ""),
            ("Time", "dim"),
        )
    ):
        widest = max([len(name)] + [len(row[i]) for row in rows])
        t.add_column(name, style=style, no_wrap=True, min_width=widest if i < 2 else None)
    colours = {"yes": "green", "NO": "bold red", "-": "dim"}
    for row in rows:
        t.add_row(row[0], row[1], *(Text(m, style=colours[m]) for m in row[2:5]), row[5])
    console.print(t)
    for r in report.results:
        details = _verify_details(r, verbose)
        if details:
            style = "yellow" if r.skipped is not None else ("red" if r.failed else "dim")
            console.print(Text(f"{r.cause}/{r.example}", style="bold"))
            console.print(Text("\n".join(f"  {d}" for d in details), style=style))
    style = "bold green" if report.ok else "bold red"
    console.print(Text(report.summary(), style=style))


class VerifyProgress:
    """A progress bar on a terminal while verify runs: `with VerifyProgress(n, console) as p:`."""

    def __init__(self, total: int, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=total)

    def __enter__(self) -> VerifyProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self, result: Any) -> None:
        mark = "skipped" if result.skipped is not None else ("ok" if result.passed else "FAILED")
        self._progress.update(
            self._task, advance=1, description=f"{result.cause}/{result.example} {mark}"
        )
