"""Find code that will raise a Flask context error, by reading it: ``ctxfix scan``.

The scanner parses each file with :mod:`ast` and never imports or runs it. Every rule names the
cause it belongs to, so the fix comes from the same page as ``ctxfix show <cause>``. The rules
follow calls to functions of the same module and prefer saying nothing to guessing: a target that
cannot be resolved, a context that might have been pushed, or a Celery app whose set-up was not
seen all count as fine.

Some verdicts need the whole project (whether the Celery app is Flask-aware, whether a click command
is added to ``app.cli`` somewhere else). Those findings are held back per file and settled once
every file has been read, in :func:`scan_paths`.
"""

from __future__ import annotations

from .findings import RULES, Rule, ScanError, ScanFinding, ScanReport, ScanUsageError
from .project import PARALLEL_FROM, iter_python_files, parse_codes, scan_paths, scan_source
from .report import REPORT_VERSION, exit_code, format_json, format_sarif, format_text

__all__ = [
    "RULES",
    "Rule",
    "ScanError",
    "ScanFinding",
    "ScanReport",
    "ScanUsageError",
    "exit_code",
    "format_json",
    "format_sarif",
    "format_text",
    "iter_python_files",
    "parse_codes",
    "scan_paths",
    "scan_source",
]

__all__ += ["PARALLEL_FROM", "REPORT_VERSION"]
