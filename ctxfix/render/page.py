"""A cause's whole page: ``ctxfix show`` (text or Markdown) and the docs page of ``ctxfix docs``.

Both are drawn from a :class:`PageRows`, built once from a cause; the docs page adds the cause's
example programs (:class:`ExampleFiles`, read by :mod:`ctxfix.docs`) around the show page.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Optional

from ctxfix.knowledge import Cause
from ctxfix.render.model import CodeBlock
from ctxfix.render.templates import fill
from ctxfix.render.text import code_block, terminal_width, wrap

__all__ = [
    "ExampleFiles",
    "PageRows",
    "VariantRows",
    "cause_doc",
    "page_rows",
    "render_cause",
    "render_cause_list",
    "tidy",
]


@dataclass
class VariantRows:
    id: str
    title: str
    summary: str
    fixes: list[CodeBlock]
    verify: Optional[str]


@dataclass
class PageRows:
    """One cause's page, its snippets filled with their defaults."""

    id: str
    title: str
    summary: str
    families: list[str]
    why: str
    fixes: list[CodeBlock]
    variants: list[VariantRows]
    verify: str
    quick_reference: dict[str, str]
    versions: list[dict[str, str]]
    references: list[str]


@dataclass
class ExampleFiles:
    """One example program of a cause as the docs page shows it: its files and how it runs."""

    name: str
    title: str
    run: tuple[str, ...]
    broken: dict[str, str]
    fixed: dict[str, str]
    stdin: Optional[str] = None
    requires: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    flask: Optional[str] = None
    origin: dict[str, str] = field(default_factory=dict)
    """Where each part (broken, fixed) comes from, as said on the page."""


def _code(text: str) -> str:
    return fill(text, {}).rstrip()


def page_rows(cause: Cause) -> PageRows:
    """Build a cause's page rows."""
    return PageRows(
        id=cause.id,
        title=cause.title,
        summary=cause.summary,
        families=list(cause.families),
        why=cause.why,
        fixes=[CodeBlock(s.title, _code(s.code), s.variant) for s in cause.fix],
        variants=[
            VariantRows(
                v.id,
                v.title,
                v.summary,
                [CodeBlock(s.title, _code(s.code), v.id) for s in v.fix],
                _code(v.verify) if v.verify else None,
            )
            for v in cause.variants
        ],
        verify=_code(cause.verify),
        quick_reference=dict(cause.quick_reference),
        versions=list(cause.versions),
        references=list(cause.references),
    )


def _for_variant(block: CodeBlock) -> str:
    return f" (variant {block.variant})" if block.variant else ""


def _markdown(p: PageRows) -> str:
    out = [f"# `{p.id}`: {p.title}", "", p.summary, ""]
    out += [f"Error families: {', '.join(f'`{x}`' for x in p.families)}", ""]
    out += ["## Why", "", wrap(p.why, 100), ""]
    out += ["## Fix", ""]
    for s in p.fixes:
        out += [f"### {s.title}{_for_variant(s)}", "", "```python", s.code, "```", ""]
    for v in p.variants:
        out += [f"## Variant `{v.id}`: {v.title}", ""]
        if v.summary:
            out += [v.summary, ""]
        for s in v.fixes:
            out += [f"### {s.title}", "", "```python", s.code, "```", ""]
        if v.verify:
            out += ["Verify:", "", "```python", v.verify, "```", ""]
    out += ["## Verify", "", "```python", p.verify, "```", ""]
    out += [
        "## Quick reference",
        "",
        "| Scenario | Fix |",
        "|---|---|",
        f"| {p.quick_reference['scenario']} | {p.quick_reference['fix']} |",
        "",
    ]
    if p.versions:
        out += ["## By Flask version", ""]
        out += [f"- **{v['flask'] or 'all'}**: {v['note']}" for v in p.versions]
        out += [""]
    if p.references:
        out += ["## References", ""] + [f"- <{r}>" for r in p.references] + [""]
    return "\n".join(out)


def _text(p: PageRows, width: int) -> str:
    out = [f"{p.id}: {p.title}", "=" * min(width, len(p.id) + len(p.title) + 2)]
    out += [wrap(p.summary, width), ""]
    out += [f"Error families: {', '.join(p.families)}", ""]
    out += ["Why", wrap(p.why, width, "  ", "  "), ""]
    for s in p.fixes:
        out += code_block(s, wrap(f"Fix: {s.title}{_for_variant(s)}", width, "", "     "))
    for v in p.variants:
        out += [wrap(f"Variant {v.id}: {v.title}", width, "", "  ")]
        if v.summary:
            out += [wrap(v.summary, width, "  ", "  ")]
        out += [""]
        for s in v.fixes:
            out += code_block(s, wrap(f"Fix ({v.id}): {s.title}", width, "", "     "))
        if v.verify:
            out += code_block(CodeBlock("", v.verify), f"Verify ({v.id}):")
    out += code_block(CodeBlock("", p.verify), "Verify (paste where the error was)")
    qr = p.quick_reference
    out += [wrap(f"Quick reference: {qr['scenario']} -> {qr['fix']}", width, "", "  "), ""]
    if p.versions:
        out += ["By Flask version"]
        out += [
            wrap(f"{v['flask'] or 'all'}: {v['note']}", width, "  - ", "    ") for v in p.versions
        ]
        out += [""]
    if p.references:
        out += ["References"] + [f"  {r}" for r in p.references]
    return "\n".join(out).rstrip() + "\n"


PAGE_VERSION = 1
"""The ``report_version`` of ``ctxfix show --format json``, with or without a cause."""


def _block(block: CodeBlock) -> dict[str, Optional[str]]:
    return {"title": block.title, "variant": block.variant, "code": block.code}


def _json(p: PageRows) -> str:
    import json

    page = {
        "report_version": PAGE_VERSION,
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "families": p.families,
        "why": p.why,
        "fixes": [_block(b) for b in p.fixes],
        "variants": [
            {
                "id": v.id,
                "title": v.title,
                "summary": v.summary,
                "fixes": [_block(b) for b in v.fixes],
                "verify": v.verify,
            }
            for v in p.variants
        ],
        "verify": p.verify,
        "quick_reference": p.quick_reference,
        "versions": p.versions,
        "references": p.references,
    }
    return json.dumps(page, indent=2, ensure_ascii=False) + "\n"


def render_cause(cause: Cause, fmt: str = "text", width: Optional[int] = None) -> str:
    """One cause's whole page, like `rustc --explain`: text (prose fitting ``width``, the
    terminal's when not given), markdown, or json (the page as data)."""
    rows = page_rows(cause)
    if fmt == "json":
        return _json(rows)
    return _markdown(rows) if fmt == "markdown" else _text(rows, width or terminal_width())


def render_cause_list(causes: list[Cause], fmt: str = "text", width: Optional[int] = None) -> str:
    """Every cause in one line each (``ctxfix show`` with no cause): id, title and families."""
    if fmt == "json":
        import json

        listed = [{"id": c.id, "title": c.title, "families": list(c.families)} for c in causes]
        doc = {"report_version": PAGE_VERSION, "causes": listed}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        out = ["| Cause | Title | Error families |", "|---|---|---|"]
        out += [f"| `{c.id}` | {c.title} | {', '.join(c.families)} |" for c in causes]
        return "\n".join(out) + "\n"
    width = width or terminal_width()
    wid = max((len(c.id) for c in causes), default=0)
    pad = " " * (wid + 2)
    out = [
        wrap(f"{c.title} [{', '.join(c.families)}]", width, f"{c.id:<{wid}}  ", pad) for c in causes
    ]
    out.append(f"{len(causes)} causes; `ctxfix show CAUSE` prints one's page.")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The docs page: the show page with the examples in full.

_LANGUAGES = {
    ".py": "python",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".json": "json",
    ".html": "html",
    ".sh": "sh",
    ".txt": "text",
    ".md": "markdown",
}


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in text."""
    longest = 0
    run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _file(name: str, text: str) -> list[str]:
    lang = _LANGUAGES.get(PurePosixPath(name).suffix.lower(), "")
    if not text:
        return [f"`{name}` (not text)", ""]
    fence = _fence(text)
    return [f"`{name}`:", "", f"{fence}{lang}", text.rstrip("\n"), fence, ""]


def _run_line(ex: ExampleFiles) -> list[str]:
    cmd = shlex.join(ex.run)
    if "\n" in cmd or len(cmd) > 70:
        fence = _fence(cmd)
        out = ["Run in the folder:", "", f"{fence}sh", cmd, fence]
    else:
        out = [f"Run `{cmd}` in the folder."]
    if ex.stdin is not None:
        fence = _fence(ex.stdin)
        out += ["", "Typed in (stdin):", "", f"{fence}text", ex.stdin.rstrip("\n"), fence]
    needs = [f"`{m}`" for m in ex.requires] + [f"`{s}` on PATH" for s in ex.services]
    if needs:
        out += ["", f"Needs {', '.join(needs)}."]
    if ex.flask:
        out += ["", f"Applies to Flask {ex.flask}."]
    return out + [""]


def _heading(ex: ExampleFiles, many: bool) -> list[str]:
    if not many:
        return [f"{ex.title}.", ""] if ex.title else []
    return [f"### {ex.title or ex.name}", ""]


def _broken_section(examples: list[ExampleFiles]) -> list[str]:
    many = len(examples) > 1
    out = ["## Broken example" + ("s" if many else ""), ""]
    for ex in examples:
        out += _heading(ex, many)
        out += [ex.origin.get("broken", ""), ""]
        for name, text in ex.broken.items():
            out += _file(name, text)
        out += _run_line(ex)
    return out


def _fixed_section(examples: list[ExampleFiles]) -> list[str]:
    many = len(examples) > 1
    out = ["## Fixed example" + ("s" if many else ""), ""]
    for ex in examples:
        out += _heading(ex, many)
        out += [ex.origin.get("fixed", ""), ""]
        before, after = ex.broken, ex.fixed
        same = [n for n, t in after.items() if before.get(n) == t]
        for name, text in after.items():
            if name not in same:
                out += _file(name, text)
        if same:
            out += [f"Unchanged: {', '.join(f'`{n}`' for n in same)}.", ""]
        diff: list[str] = []
        for name in (n for n in after if n not in same and n in before):
            diff += difflib.unified_diff(
                before[name].splitlines(),
                after[name].splitlines(),
                f"broken/{name}",
                f"fixed/{name}",
                lineterm="",
            )
        if diff:
            fence = _fence("\n".join(diff))
            out += ["What changed:", "", f"{fence}diff", *diff, fence, ""]
    return out


def _sections(markdown: str) -> list[tuple[str, list[str]]]:
    """Split a page at its `## ` headings: [(heading or "", lines)]."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    fence: Optional[str] = None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("```"):
            mark = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            if fence is None:
                fence = mark
            elif stripped.rstrip() == fence:
                fence = None
        if fence is None and line.startswith("## "):
            parts.append((line[3:].strip(), [line]))
        else:
            parts[-1][1].append(line)
    return parts


def tidy(lines: list[str]) -> str:
    """Join lines: no trailing spaces, and no run of blank lines outside code blocks."""
    out: list[str] = []
    fence: Optional[str] = None
    for line in lines:
        line = line.rstrip()
        stripped = line.lstrip()
        if stripped.startswith("```"):
            mark = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            if fence is None:
                fence = mark
            elif stripped == fence:
                fence = None
        if fence is None and not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def cause_doc(cause: Cause, banner: str, examples: list[ExampleFiles]) -> str:
    """One cause's docs page: the show page, with its examples in full."""
    out = [banner, ""]
    placed_broken = placed_fixed = False
    for heading, lines in _sections(render_cause(cause, "markdown")):
        if heading == "Why" and examples and not placed_broken:
            out += _broken_section(examples)
            placed_broken = True
        if heading == "Verify" and examples and not placed_fixed:
            out += _fixed_section(examples)
            placed_fixed = True
        out += lines
        if heading == "Verify":
            while out and not out[-1].strip():
                out.pop()
            out += [
                "",
                f"`ctxfix verify {cause.id}` runs every example of this cause: the broken program "
                "must fail with this error, `ctxfix explain` must name this cause from what it "
                "printed, and the fixed program must run and print `ctxfix verify: ok`.",
                "",
            ]
    if examples and not placed_broken:
        out += _broken_section(examples)
    if examples and not placed_fixed:
        out += _fixed_section(examples)
    if not examples:
        out += ["## Examples", "", "This cause has no runnable example yet.", ""]
    return tidy(out)
