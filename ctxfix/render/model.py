"""The row model every drawing of a diagnosis is made from.

A :class:`FindingRow` is built once from a :class:`~ctxfix.engine.Finding` and the knowledge:
its labels, the page it points to, and its snippets filled with the user's names. The text,
rich, JSON, ``run`` brief and pytest renderers only draw rows; none of them goes back to the
finding or the knowledge to decide what to say.

Text that came from the user's input (messages, paths, code lines, evidence quoting log lines)
enters the rows through :func:`from_input` only.
"""

from __future__ import annotations

from typing import Optional

from ctxfix._record import Record
from ctxfix.engine import Finding, Outcome, choice_key
from ctxfix.knowledge import Cause, KnowledgeBase
from ctxfix.render.templates import fill, placeholders

__all__ = [
    "CodeBlock",
    "FindingRow",
    "finding_row",
    "from_input",
    "page_of",
    "report_rows",
    "summary_line",
]


def from_input(text: str) -> str:
    """Input-derived text on its way into a row: the one place to make it safe to print."""
    return text


class CodeBlock(Record):
    """A titled piece of code: a fix or a verify snippet, already filled in."""

    title: str
    code: str
    variant: Optional[str] = None


class FindingRow(Record):
    """One finding, ready to draw."""

    finding: Finding
    index: int
    title: str
    """The page title, marked when the scenario is not settled."""
    full_title: str
    """The page title with the variant's title (the JSON report's ``title``)."""
    error: str
    cause_label: str
    settled: bool
    maybe: list[str]
    failed: Optional[str]
    where: str
    code: Optional[str]
    seen: Optional[str]
    flask: Optional[str]
    evidence: list[str]
    frame_reasons: list[str]
    tree: list[str]
    scores: Optional[str]
    why: str
    fixes: list[CodeBlock]
    verify: CodeBlock
    quick_reference: dict[str, str]
    next_step: Optional[str]
    more: Optional[str]
    """The command that shows the whole page (``ctxfix show CAUSE``), when there is one."""
    values: dict[str, str]
    """The names the snippets were filled with."""
    patch: Optional[str] = None
    """A unified diff of the user's files that applies the fix, when one could be built."""
    cause: Optional[str] = None
    """The cause id, None when not settled."""
    family: str = ""
    at: str = "-"
    """Where, short: ``path:line`` of the user's frame, or ``-`` when there is none."""


def page_of(f: Finding, kb: KnowledgeBase) -> Cause:
    """The cause page for a finding, or its family's page when the cause is not settled."""
    return f.cause if f.cause is not None else kb.families[f.family]


def summary_line(outcome: Outcome) -> str:
    """What explain found, in one line: used when it found no context error too."""
    n = outcome.tracebacks
    errs = len(outcome.findings)
    occ = sum(f.occurrences for f in outcome.findings)
    if errs:
        s = f"{occ} Flask context error{'s' if occ != 1 else ''}"
        if errs != occ:
            s += f" ({errs} distinct)"
        if outcome.dropped:
            s += f", and {outcome.dropped} more unlike these that are counted, not shown"
        return s + " found"
    if n == 0:
        return "no traceback or error message found in the input"
    what = f"{n} traceback{'s' if n != 1 else ''} or error{'s' if n != 1 else ''}"
    others = sorted(set(outcome.other_errors))
    tail = f": {'; '.join(from_input(o) for o in others[:3])}" if others else ""
    if outcome.truncated and not others:
        tail = " (cut off before the error line, with nothing pointing at a Flask context)"
    return f"{what} found, none is a Flask context error{tail}"


def _error_line(f: Finding) -> str:
    if not f.headline and f.truncated:
        return f"{f.family} error (the paste ends before its error line)"
    if not f.headline:
        return f"{f.family} error (from your answers)"
    exc = f"{f.exc_type}: " if f.exc_type else ""
    return from_input(f"{exc}{f.headline}") + f"  [{f.family}]"


def _where(f: Finding) -> str:
    loc = f.location
    if loc is None:
        return "not in the input (no frames)"
    s = f"{loc.path}:{loc.line}" if loc.line else loc.path
    return from_input(f"{s} in {loc.function}" if loc.function else s)


def _at(f: Finding) -> str:
    loc = f.location
    if loc is None:
        return "-"
    return from_input(f"{loc.path}:{loc.line}" if loc.line else loc.path)


def _cause_label(f: Finding) -> str:
    if f.cause is None:
        return "not settled by the input"
    return f"{f.cause.id} ({f.variant})" if f.variant else f.cause.id


def _seen(f: Finding) -> Optional[str]:
    if f.occurrences <= 1 and not f.source:
        return None
    src = f"{from_input(f.source)}, " if f.source else ""
    lines = (
        f"lines {f.first_line}-{f.last_line}"
        if f.last_line != f.first_line
        else f"line {f.first_line}"
    )
    return f"{f.occurrences} time{'s' if f.occurrences != 1 else ''} ({src}{lines})"


def _next_step(f: Finding, kb: KnowledgeBase) -> Optional[str]:
    if f.pending and f.pending in kb.questions:
        q = kb.questions[f.pending]
        opts = ", ".join(choice_key(ch, i, kb) for i, ch in enumerate(q.choices))
        return (
            f"To settle it: {q.text} Run `ctxfix diagnose`, or add "
            f"`--answer {q.id}=CHOICE` (CHOICE: {opts})."
        )
    return None


def _full_title(f: Finding, page: Cause) -> str:
    v = f.cause.variant(f.variant) if f.cause is not None and f.variant else None
    return f"{page.title}: {v.title}" if v is not None else page.title


def finding_row(
    f: Finding,
    kb: KnowledgeBase,
    index: int = 1,
    values: Optional[dict[str, str]] = None,
    patch: Optional[str] = None,
) -> FindingRow:
    """Build the row for one finding; ``values`` overrides the names read off the finding.

    ``patch`` is the unified diff that applies the fix to the user's files, for the renderers
    that show one; the patch builder makes it.
    """
    page = page_of(f, kb)
    names = {k: from_input(v) for k, v in placeholders(f).items()}
    names.update(values or {})
    loc = f.location
    tree = []
    for qid, label, how in f.answered:
        text = kb.questions[qid].text if qid in kb.questions else qid
        tree.append(f"{text} -> {label} (from {how})")
    ranked = sorted(f.scores.items(), key=lambda kv: -kv[1])
    variant = f.cause.variant(f.variant) if f.cause is not None else None
    own_variant = variant.id if variant is not None and variant.fix else None
    return FindingRow(
        finding=f,
        index=index,
        title=page.title if f.cause is not None else f"{page.title} (scenario not settled)",
        full_title=_full_title(f, page),
        error=_error_line(f),
        cause_label=_cause_label(f),
        settled=f.cause is not None,
        maybe=list(f.candidates) if f.cause is None else [],
        failed=f.proxy,
        where=_where(f),
        code=from_input(loc.code) if loc is not None and loc.code else None,
        seen=_seen(f),
        flask=f.flask_version,
        evidence=[from_input(e) for e in f.evidence],
        frame_reasons=[from_input(r) for r in f.frame_reasons],
        tree=tree,
        scores=", ".join(f"{c} {s:g}" for c, s in ranked) if ranked else None,
        why=page.why,
        fixes=[
            CodeBlock(s.title, fill(s.code, names).rstrip(), s.variant or own_variant)
            for s in page.fixes_for(f.variant)
        ],
        verify=CodeBlock(
            "Verify (paste where the error was)", fill(page.verify_for(f.variant), names).rstrip()
        ),
        quick_reference=dict(page.quick_reference),
        next_step=_next_step(f, kb),
        more=f"ctxfix show {f.cause.id}" if f.cause is not None else None,
        values=names,
        patch=patch,
        cause=f.cause_id,
        family=f.family,
        at=_at(f),
    )


def report_rows(outcome: Outcome, kb: KnowledgeBase) -> list[FindingRow]:
    """Rows for every finding of an explain report, numbered from 1."""
    return [finding_row(f, kb, i) for i, f in enumerate(outcome.findings, 1)]
