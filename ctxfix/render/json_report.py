"""The JSON report of explain and diagnose (``--format json``)."""

from __future__ import annotations

import json
from typing import Any

from ctxfix.engine import Finding
from ctxfix.knowledge import KnowledgeBase
from ctxfix.render.model import FindingRow, finding_row

__all__ = ["REPORT_VERSION", "finding_record", "render_json"]

REPORT_VERSION = 1


def _record(row: FindingRow) -> dict[str, Any]:
    f = row.finding
    loc = f.location
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


def finding_record(f: Finding, kb: KnowledgeBase) -> dict[str, Any]:
    """One finding as the JSON report describes it."""
    return _record(finding_row(f, kb))


def render_json(findings: list[Finding], kb: KnowledgeBase) -> str:
    doc = {"report_version": REPORT_VERSION, "findings": [finding_record(f, kb) for f in findings]}
    return json.dumps(doc, indent=2, ensure_ascii=False)
