"""The JSON report of explain and diagnose (``--format json``).

report_version 2 (the default) gives the fixes as a list of ``{"title", "variant", "code"}``, the
verify snippet as ``{"code"}`` and ``patch``, the unified diff that applies the fix to the user's
files (null until one is built); ``fix`` stays, as the first fix's code, for readers of version 1.
``--report-version 1`` prints version 1 exactly: ``fix`` the fixes joined as commented blocks and
``verify`` a string.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from ctxfix.engine import Finding
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import FindingRow, finding_row

__all__ = ["REPORT_VERSION", "REPORT_VERSIONS", "finding_record", "render_json"]

REPORT_VERSION = 2
REPORT_VERSIONS = (1, 2)


def _record(row: FindingRow, version: int) -> dict[str, Any]:
    f = row.finding
    loc = f.location
    out: dict[str, Any] = {
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
        "evidence": list(row.evidence),
        "title": row.full_title,
        "why": row.why,
        "fix": "\n\n".join(f"# {b.title}\n{b.code}" for b in row.fixes),
        "verify": row.verify.code,
        "quick_reference": dict(row.quick_reference),
        "occurrences": f.occurrences,
        "lines": {"first": f.first_line, "last": f.last_line},
        "source": f.source,
        "flask_version": f.flask_version,
        "pending_question": f.pending,
        "frame_reasons": list(row.frame_reasons),
    }
    if version >= 2:
        out["fix"] = row.fixes[0].code if row.fixes else ""
        out["fixes"] = [{"title": b.title, "variant": b.variant, "code": b.code} for b in row.fixes]
        out["verify"] = {"code": row.verify.code}
        out["patch"] = row.patch
    return out


def finding_record(
    f: Finding, kb: KnowledgeBase, version: int = REPORT_VERSION, patch: Optional[str] = None
) -> dict[str, Any]:
    """One finding as the JSON report of ``version`` describes it."""
    return _record(finding_row(f, kb, patch=patch), version)


def render_json(
    findings: list[Finding],
    kb: KnowledgeBase,
    version: int = REPORT_VERSION,
    patch_for: Optional[Callable[[Finding], Optional[str]]] = None,
    dropped: int = 0,
) -> str:
    """The JSON report; ``patch_for`` gives a finding's patch (the patch builder's hook);
    ``dropped`` counts errors past the cap of distinct ones, counted and not shown (version 2)."""
    records = [
        finding_record(f, kb, version, patch_for(f) if patch_for is not None else None)
        for f in findings
    ]
    doc: dict[str, Any] = {"report_version": version, "findings": records}
    if version >= 2:
        doc["dropped"] = dropped
    return json.dumps(doc, indent=2, ensure_ascii=False)
