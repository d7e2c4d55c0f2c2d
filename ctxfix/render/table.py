"""The quick-reference table (``ctxfix table``, the docs page) and ``ctxfix verify``'s report."""

from __future__ import annotations

import json
from typing import Any, Optional

from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.text import terminal_width, wrap

TABLE_VERSION = 1
"""The ``report_version`` of ``ctxfix table --format json``."""

__all__ = [
    "TABLE_VERSION",
    "quick_reference_doc",
    "render_table",
    "render_matrix_text",
    "render_verify_rich",
    "render_verify_text",
]


def render_table(kb: KnowledgeBase, fmt: str, console: Any = None) -> Optional[str]:
    """The quick-reference table of every cause: rich (drawn on console), markdown, json or csv."""
    rows = [
        (c.id, c.quick_reference["scenario"], c.quick_reference["fix"]) for c in kb.causes.values()
    ]
    if fmt == "json":
        return json.dumps(
            {
                "report_version": TABLE_VERSION,
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
    width = console.width if console is not None else terminal_width()
    lines = _fitted(rows, width)
    if fmt == "text" or console is None:
        return "".join(f"{head}{body}\n" for head, body, _ in lines)
    from rich.text import Text

    console.print(Text("ctxfix quick reference", style="bold"))
    for head, body, kind in lines:
        line = Text()
        line.append(head, style="bold cyan")
        if body.startswith("-> "):
            body = "→ " + body[3:]
        line.append_text(_inline_code(body, "green" if kind == "fix" else ""))
        console.print(line, no_wrap=True, overflow="ignore", crop=False)
    return None


_BESIDE = 50
"""Prose gets at least this many columns beside the cause column, or goes below the cause
(at 80 columns it has 56 beside the widest cause id; at 60, 36 would be too few)."""


def _fitted(rows: list[tuple[str, str, str]], width: int) -> list[tuple[str, str, str]]:
    """The table laid out for ``width`` columns: (cause column, prose, kind) per line.

    Wide enough, each cause has its scenario beside it and the fix under the scenario; narrower,
    the scenario and fix go under the cause, indented. Prose wraps at spaces, never inside
    `inline code`.
    """
    wid = max(len(c) for c, _, _ in rows)
    beside = width - wid - 2 >= _BESIDE
    out: list[tuple[str, str, str]] = []
    for cause, scenario, fix in rows:
        if beside:
            pad = " " * (wid + 2)
            prose = width - len(pad)
            parts = [(scenario, "", "scenario"), (fix, "-> ", "fix")]
            first = True
            for text, mark, kind in parts:
                for line in wrap(text, prose, mark, " " * len(mark)).split("\n"):
                    out.append((f"{cause:<{wid}}  " if first else pad, line, kind))
                    first = False
        else:
            if out:
                out.append(("", "", "gap"))
            out.append((cause, "", "cause"))
            out += [("  ", line, "scenario") for line in wrap(scenario, width - 2).split("\n")]
            out += [("  ", line, "fix") for line in wrap(fix, width - 2, "-> ", "   ").split("\n")]
    return out


def _inline_code(prose: str, style: str) -> Any:
    """Prose as rich text, each `inline code` span drawn as code, without its backticks."""
    from rich.text import Text

    text = Text(style=style)
    for i, part in enumerate(prose.split("`") if prose.count("`") % 2 == 0 else [prose]):
        text.append(part, style="markdown.code" if i % 2 else None)
    return text


def quick_reference_doc(kb: KnowledgeBase, banner: str, causes_dir: str) -> list[str]:
    """The quick-reference docs page: the Markdown table with each cause linked to its page."""
    rows = []
    for line in (render_table(kb, "markdown") or "").splitlines():
        for cid in kb.causes:
            head = f"| `{cid}` |"
            if line.startswith(head):
                line = f"| [`{cid}`]({causes_dir}/{cid}.md) |" + line[len(head) :]
                break
        rows.append(line)
    return [
        banner,
        "",
        "# Quick reference",
        "",
        "Every scenario ctxfix knows, with the fix, one row each. `ctxfix table` prints the same "
        "table; `ctxfix show CAUSE` prints a cause's page.",
        "",
        *rows,
        "",
    ]


# ---------------------------------------------------------------------------------------------
# verify reports (`ctxfix verify`): drawing only; ctxfix.verify decides.


def _verify_mark(ok: bool, result: Any) -> str:
    return "-" if result.skipped is not None else ("yes" if ok else "NO")


def _patch_mark(r: Any) -> str:
    """yes: the printed patch made the program run clean; none: the example says why it cannot."""
    if r.skipped is not None or (r.patched is None and r.no_patch is None and not r.reproduced):
        return "-"
    if r.no_patch is not None:
        return "none"
    return "yes" if r.patched else "NO"


def _verify_rows(report: Any) -> list[tuple[str, ...]]:
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
                _patch_mark(r),
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
    if r.no_patch is not None:
        out.append(f"patch not proven: {r.no_patch}")
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
    head = ("cause", "example", "broken", "explain", "fixed", "patch", "time")
    rows = _verify_rows(report)
    widths = (
        [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)] if rows else []
    )
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
            ("Patch", ""),
            ("Time", "dim"),
        )
    ):
        widest = max([len(name)] + [len(row[i]) for row in rows])
        t.add_column(name, style=style, no_wrap=True, min_width=widest if i < 2 else None)
    colours = {"yes": "green", "NO": "bold red", "-": "dim", "none": "yellow"}
    for row in rows:
        t.add_row(row[0], row[1], *(Text(m, style=colours[m]) for m in row[2:6]), row[6])
    console.print(t)
    for r in report.results:
        details = _verify_details(r, verbose)
        if details:
            style = "yellow" if r.skipped is not None else ("red" if r.failed else "dim")
            console.print(Text(f"{r.cause}/{r.example}", style="bold"))
            console.print(Text("\n".join(f"  {d}" for d in details), style=style))
    style = "bold green" if report.ok else "bold red"
    console.print(Text(report.summary(), style=style))


def render_matrix_text(matrix: Any, verbose: bool = False) -> str:
    """verify --flask as plain text: a row per cause, a column per Flask version, then why each
    failing cell failed and which examples have no proven patch."""
    versions = [r.flask for r in matrix.runs]
    head = ["cause", *versions]
    rows = [[c, *(matrix.cell(c, v)[0] for v in versions)] for c in matrix.causes]
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    out += [
        "",
        "n/m: examples proven of those that run on that version; -: none runs there;",
        "*: proven, but an example's patch is not (see below)",
    ]
    unpatched: dict[tuple[str, str, str], list[str]] = {}
    for run in matrix.runs:
        where = f"Flask {run.flask}" + (f" (Python {run.python})" if run.python else "")
        if run.error is not None:
            out.append(f"{where}: {run.error}")
            continue
        for r in run.report.results:
            if r.failed:
                out.append(f"{where} {r.cause}/{r.example}:")
                out.extend(f"    {line}" for line in _verify_details(r, verbose))
            elif r.no_patch is not None and r.skipped is None:
                unpatched.setdefault((r.cause, r.example, r.no_patch), []).append(run.flask)
    for (cause, example, why), where in unpatched.items():
        out.append(f"patch not proven: {cause}/{example} (Flask {', '.join(where)}): {why}")
    out.append(matrix.summary())
    return "\n".join(out) + "\n"
