"""Short drawings of one finding: ``ctxfix run``'s brief on stderr and the pytest section."""

from __future__ import annotations

import re
from typing import Optional

from ctxfix.engine import Finding
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import CodeBlock, FindingRow, finding_row
from ctxfix.render.templates import fill, placeholders
from ctxfix.render.text import code_block, terminal_width, wrap

__all__ = ["pytest_section", "run_brief"]

_PREFIX = "ctxfix: "


def _first_sentence(text: str) -> str:
    why = " ".join(text.split())
    return why.split(". ")[0].rstrip(".") + "."


def _where(row: FindingRow) -> str:
    return row.where if row.finding.location is not None else ""


def run_brief(finding: Finding, kb: KnowledgeBase, repeat: int = 1) -> str:
    """A few lines for stderr: the cause, where, why, and the first fix in full.

    Prose lines start with ``ctxfix:`` so they stand apart from the command's own output; the
    fix's code is printed flush left between blank lines, with no prefix, ready to copy.
    """
    row = finding_row(finding, kb)
    where = _where(row)
    if repeat > 1:
        label = finding.cause_id or finding.family
        at = f" at {where}" if where else ""
        return f"{_PREFIX}the same context error again ({repeat} times): {label}{at}\n"
    width = terminal_width()
    signs = kb.signs.get(finding.family)
    kind = signs.name if signs is not None else finding.family
    exc = f"{finding.exc_type} " if finding.exc_type else ""
    prose = []
    if finding.cause is not None:
        variant = f" ({finding.variant})" if finding.variant else ""
        prose.append(f"{exc}({kind}) -> {finding.cause.id}{variant}: {finding.cause.title}")
    else:
        maybe = ", ".join(finding.candidates) if finding.candidates else "not settled"
        prose.append(f"{exc}({kind}) -> cause not settled by the output (maybe: {maybe})")
    if where:
        prose.append(f"  at {where}")
        if row.code:
            prose.append(f"     {row.code.strip()}")
    inner = width - len(_PREFIX)
    prose += wrap(_first_sentence(row.why), inner, "  why: ", "       ").split("\n")
    out = [f"{_PREFIX}{line}".rstrip() for line in prose]
    if row.fixes:
        fix = row.fixes[0]
        heading = wrap(fix.title, inner, "  fix: ", "       ")
        out += [f"{_PREFIX}{line}" for line in heading.split("\n")]
        out += ["", fix.code, ""]
    out.append(f"{_PREFIX}  more: {row.more or 'ctxfix diagnose (to settle the cause)'}")
    return "\n".join(out) + "\n"


def pytest_section(
    finding: Finding, kb: KnowledgeBase, test_name: Optional[str] = None, collecting: bool = False
) -> str:
    """The ctxfix section of a pytest report: cause, the why in a line, the pytest-form fix."""
    values = dict(placeholders(finding))
    if test_name:
        values["test"] = test_name
    row = finding_row(finding, kb, values=values)
    lines: list[str] = []
    cause = finding.cause
    if cause is not None:
        variant = f" ({finding.variant})" if finding.variant else ""
        lines.append(f"cause: {cause.id}{variant}: {cause.title}")
    else:
        maybe = ", ".join(finding.candidates) or "not settled"
        lines.append(f"cause: not settled by the traceback (maybe: {maybe})")
    lines.append("why:   " + _first_sentence(row.why))
    fixes, alternative = _pytest_fixes(finding, kb, collecting, values)
    for fix in fixes:
        lines += code_block(fix, f"fix:   {fix.title}")
    if alternative and not collecting:
        # pytest-flask pushes its context per test; it cannot help code run while collecting.
        alternative = re.sub(r"^or\s+", "", alternative, flags=re.I)
        lines.append(f"or:    {alternative[0].lower()}{alternative[1:]}")
    if cause is not None and cause.id != "pytest-test":
        lines.append(f"also:  how this cause is fixed in the app: ctxfix show {cause.id}")
    else:
        lines.append("more:  ctxfix show pytest-test")
    return "\n".join(lines) + "\n"


def _pytest_fixes(
    finding: Finding, kb: KnowledgeBase, collecting: bool, values: dict[str, str]
) -> tuple[list[CodeBlock], Optional[str]]:
    """The pytest-test snippet that fits the error (a request context when request was missing,
    module-level advice while collecting, an app fixture otherwise) and the title of the
    pytest-flask alternative."""
    page = kb.causes.get("pytest-test")
    if page is None:
        own = finding.cause.fixes_for(finding.variant) if finding.cause is not None else []
        return [CodeBlock(s.title, fill(s.code, values).rstrip()) for s in own[:1]], None
    snippets = page.fix
    request = [s for s in snippets if "test_request_context" in s.code]
    plugin = [s for s in snippets if "pytest-flask" in s.title.lower()]
    fixture = [s for s in snippets if s not in request and s not in plugin]
    early = [s for s in fixture if "module" in s.title.lower()]
    if finding.family in ("request-context", "url-adapter"):
        chosen = request[:1]
    elif collecting:
        chosen = early[:1] or fixture[:1]
    else:
        chosen = fixture[:1]
    chosen = chosen or snippets[:1]
    return (
        [CodeBlock(s.title, fill(s.code, values).rstrip(), s.variant) for s in chosen],
        plugin[0].title if plugin else None,
    )
