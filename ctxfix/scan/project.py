"""Which files a scan reads, and the scan of a whole project."""

from __future__ import annotations

import io
import os
import tokenize
from typing import Iterable, Iterator, Optional, Sequence

from ._analysis import _analyze, _Facts, _FileResult, _settle, _suppressed
from .findings import RULES, ScanError, ScanFinding, ScanReport, ScanUsageError


def _wanted(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(s) for s in ignore)


def parse_codes(values: Iterable[str]) -> list[str]:
    """Split ``--select``/``--ignore`` values (comma lists allowed) and check every code."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code != "ALL" and not any(c.startswith(code) for c in RULES):
                raise ScanUsageError(f"unknown rule code {part.strip()!r} (known: CTX101-CTX112)")
            out.append(code)
    return [] if "ALL" in out else out


_SKIP_DIRS = {
    "__pycache__",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "venv",
    "env",
}


def iter_python_files(paths: Sequence[str]) -> Iterator[str]:
    """Python files under ``paths``, in a stable order. Named files are taken as they are."""
    for given in paths:
        if os.path.isfile(given):
            yield given
            continue
        if not os.path.isdir(given):
            raise ScanUsageError(f"no such file or directory: {given}")
        for root, dirs, files in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(root, name)


def scan_source(source: str, path: str = "<string>") -> list[ScanFinding]:
    """Scan one module's source on its own. Raises :class:`SyntaxError` if it does not parse."""
    result = _analyze(source, path)
    if result.error is not None:
        raise SyntaxError(result.error.message)
    found = list(result.findings)
    for d in result.deferred:
        found.extend(_settle(d, result.facts))
    return sorted(f for f in found if not _suppressed(f.line, f.rule, result.ignores))


PARALLEL_FROM = 400
"""Trees with at least this many files are read by one process per CPU."""


def _scan_file(path: str) -> _FileResult:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        source = raw.decode(encoding)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return _FileResult(
            [], [], _Facts(), {}, ScanError(_display(path), 1, 1, f"cannot read: {exc}")
        )
    return _analyze(source, _display(path), skim=True)


def _scan_chunk(paths: list[str]) -> list[_FileResult]:
    return [_scan_file(p) for p in paths]


def _scan_all(files: list[str], jobs: Optional[int]) -> list[_FileResult]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or (jobs is None and len(files) < PARALLEL_FROM):
        return _scan_chunk(files)
    size = max(16, len(files) // (workers * 4))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    try:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            return [r for part in pool.map(_scan_chunk, chunks) for r in part]
    except (OSError, ImportError, RuntimeError):
        # No usable process pool here (sandbox, frozen app): one process does it all.
        return _scan_chunk(files)


def scan_paths(
    paths: Sequence[str],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: Optional[int] = None,
) -> ScanReport:
    """Scan every Python file under ``paths`` as one project.

    ``jobs`` is the number of processes; by default large trees use one per CPU.
    """
    files = list(iter_python_files(paths))
    report = ScanReport(files=len(files))
    facts = _Facts()
    results: list[_FileResult] = []
    for result in _scan_all(files, jobs):
        if result.error is not None:
            report.errors.append(result.error)
            continue
        facts.merge(result.facts)
        results.append(result)
    for result in results:
        found = list(result.findings)
        for d in result.deferred:
            found.extend(_settle(d, facts))
        for f in found:
            if _wanted(f.rule, select, ignore) and not _suppressed(f.line, f.rule, result.ignores):
                report.findings.append(f)
    report.findings.sort()
    report.errors.sort()
    return report


def _display(path: str) -> str:
    path = path.replace(os.sep, "/")
    return path[2:] if path.startswith("./") else path
