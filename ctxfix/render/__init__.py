"""Draw diagnoses and knowledge: plain text, rich panels, Markdown, JSON, CSV, briefs and pages.

Every drawing of a diagnosis is made from the rows of :mod:`ctxfix.render.model`, built once from
the engine's findings; template filling lives in :mod:`ctxfix.render.templates`. Nothing here
decides anything about Flask. Submodules load when one of their names is first used, and rich
(with pygments) only when drawing to a terminal, so piped output stays fast.

========================  ==========================================================
``model``                 the row model: FindingRow, CodeBlock, summary_line
``templates``             fill, placeholders
``text``                  render_text, render_quiet (``explain -q``)
``panels``                render_rich, print_markdown (a terminal)
``json_report``           render_json, finding_record
``brief``                 run_brief (``ctxfix run``), pytest_section (the plugin)
``page``                  render_cause, render_cause_list (``show``), cause_doc
``table``                 render_table, quick_reference_doc, verify reports (and --flask)
``progress``              progress bars for big logs and verify
``terminal``              colour, the rich console, paging long output
========================  ==========================================================
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "CodeBlock": "model",
    "FindingRow": "model",
    "finding_row": "model",
    "report_rows": "model",
    "summary_line": "model",
    "fill": "templates",
    "placeholders": "templates",
    "render_text": "text",
    "render_quiet": "text",
    "render_rich": "panels",
    "print_code": "panels",
    "print_markdown": "panels",
    "REPORT_VERSION": "json_report",
    "finding_record": "json_report",
    "render_json": "json_report",
    "pytest_section": "brief",
    "run_brief": "brief",
    "render_cause": "page",
    "render_cause_list": "page",
    "cause_doc": "page",
    "render_table": "table",
    "quick_reference_doc": "table",
    "render_matrix_text": "table",
    "render_verify_rich": "table",
    "render_verify_text": "table",
    "VerifyProgress": "progress",
    "reading_progress": "progress",
    "Output": "terminal",
    "make_console": "terminal",
    "wants_color": "terminal",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
