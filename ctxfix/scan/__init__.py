"""Find code that will raise a Flask context error, by reading it: ``ctxfix scan``.

The scanner parses each file with :mod:`ast` and never imports or runs it:

- :mod:`.files` finds and reads the files (regular files only, with a size cap);
- :mod:`.model` turns one file into a semantic model (names resolved to qualified names, each
  function's uses and calls with the context level they run at), in worker processes for big trees;
- :mod:`.project` joins the models (names across modules, the call graph of the project's own
  functions) and :mod:`.entries` finds where code starts on its own (threads, tasks, jobs, ...);
- :mod:`.catalog` is the data: what needs a context, what runs code elsewhere, with sources;
- :mod:`.rules` holds one module per rule (``ctx1nn_<name>.py``) with its docs and examples;
- :mod:`.report` writes text, JSON and SARIF.

Every rule names the cause it belongs to, so the fix comes from the same page as
``ctxfix show <cause>``. The rules prefer saying nothing to guessing: a target that cannot be
resolved, a context that might have been pushed, or a Celery app whose set-up was not seen all
count as fine.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from .files import walk as _walk
from .findings import Rule, ScanError, ScanFinding, ScanReport, ScanUsageError
from .report import REPORT_VERSION, exit_code, format_json, format_sarif, format_text
from .rules import RULES
from .scanner import PARALLEL_FROM, parse_codes, scan_paths, scan_source


def iter_python_files(paths: Sequence[str]) -> Iterator[str]:
    """Python files under ``paths``, in a stable order. Named files are taken as they are."""
    return _walk(paths)


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
