"""The scan of a project: read and model every file (in worker processes for big trees), then run
every rule over the whole project."""

from __future__ import annotations

import ast
import gc
from typing import Iterable, Optional, Sequence, Union

from ctxfix.config import Settings

from . import files
from .findings import ScanError, ScanFinding, ScanReport, ScanUsageError
from .model import Module, build
from .project import Project
from .rules import RULE_MODULES, RULES

PARALLEL_FROM = 2000
"""Trees with at least this many files are read by one process per CPU. Below it one process is
about as fast in wall time and uses a third less CPU: sending the models back from the workers
costs about half a second for a tree of 1,000 files (measured on Indico and Superset)."""


def parse_codes(values: Iterable[str]) -> list[str]:
    """Split ``--select``/``--ignore`` values (comma lists allowed) and check every code."""
    out: list[str] = []
    known = f"{min(RULES)}-{max(RULES)}"
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code != "ALL" and not any(c.startswith(code) for c in RULES):
                raise ScanUsageError(f"unknown rule code {part.strip()!r} (known: {known})")
            out.append(code)
    return [] if "ALL" in out else out


def _wanted(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(s) for s in ignore)


def model(
    source: str,
    path: str,
    name: str,
    package: str,
    tops: frozenset[str] = frozenset(),
) -> Union[Module, ScanError]:
    """The model of one file's source, or a note when it cannot be parsed.

    Every file is parsed: a module that names nothing Flask-related may still be a link in a
    chain of calls between modules that do (a thread target calling a helper that calls one
    that uses `current_app`), so no text test on one file can tell it does not matter."""
    where = files.display(path)
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as exc:
        return ScanError(
            where,
            exc.lineno or 1,
            exc.offset or 1,
            f"syntax error: {exc.msg} (this Python cannot parse the file; it is not scanned)",
        )
    except ValueError as exc:  # NUL bytes in the source
        return ScanError(where, 1, 1, f"cannot parse: {exc}")
    except (RecursionError, MemoryError) as exc:
        return ScanError(where, 1, 1, f"too deeply nested to parse ({type(exc).__name__})")
    try:
        return build(tree, name, where, source, package, tops)
    except (RecursionError, MemoryError) as exc:
        return ScanError(where, 1, 1, f"too deeply nested to scan ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        return ScanError(
            where,
            1,
            1,
            f"ctxfix could not analyse this file ({type(exc).__name__}: {exc}); please report it",
        )


def _scan_file(
    path: str, names: files.ModuleNames, tops: frozenset[str]
) -> Union[Module, ScanError]:
    source = files.read(path)
    if isinstance(source, ScanError):
        return source
    name, package = names.name(path)
    return model(source, path, name, package, tops=tops)


def _scan_chunk(job: tuple[list[str], frozenset[str]]) -> list[Union[Module, ScanError]]:
    paths, tops = job
    names = files.ModuleNames()
    gc_was_on = gc.isenabled()
    gc.disable()  # the models hold no cycles; collecting while they grow costs a third
    try:
        return [_scan_file(p, names, tops) for p in paths]
    finally:
        if gc_was_on:
            gc.enable()


def _tops(paths: list[str]) -> frozenset[str]:
    """The top-level names of the project's packages and modules."""
    names = files.ModuleNames()
    return frozenset(names.name(p)[0].split(".", 1)[0] for p in paths)


def _scan_all(
    paths: list[str], jobs: Optional[int], tops: frozenset[str]
) -> list[Union[Module, ScanError]]:
    import os

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or (jobs is None and len(paths) < PARALLEL_FROM):
        return _scan_chunk((paths, tops))
    size = max(16, len(paths) // (workers * 4))
    chunks = [(paths[i : i + size], tops) for i in range(0, len(paths), size)]
    try:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            return [r for part in pool.map(_scan_chunk, chunks) for r in part]
    except (OSError, ImportError, RuntimeError):
        # No usable process pool here (sandbox, frozen app): one process does it all.
        return _scan_chunk((paths, tops))


def run_rules(
    modules: list[Module], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> tuple[list[ScanFinding], list[ScanError]]:
    """Every wanted rule over the project; a rule that breaks is a note, not a crash."""
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _run_rules(modules, select, ignore)
    finally:
        if gc_was_on:
            gc.enable()


def _run_rules(
    modules: list[Module], select: Sequence[str], ignore: Sequence[str]
) -> tuple[list[ScanFinding], list[ScanError]]:
    project = Project(modules)
    ignores = {m.path: m.ignores for m in modules}
    found: set[ScanFinding] = set()
    notes: list[ScanError] = []
    for code, rule in RULE_MODULES.items():
        if not _wanted(code, select, ignore):
            continue
        try:
            for f in rule.check(project):
                lines = ignores.get(f.path, {})
                codes = lines.get(f.line, ())
                if f.line in lines and (codes is None or f.rule in codes):
                    continue
                found.add(f)
        except (RecursionError, MemoryError) as exc:
            notes.append(ScanError("<project>", 1, 1, f"rule {code} gave up: {type(exc).__name__}"))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
            message = f"rule {code} failed ({type(exc).__name__}: {exc}); please report it"
            notes.append(ScanError("<project>", 1, 1, message))
    return sorted(found), notes


def scan_paths(
    paths: Sequence[str],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: Optional[int] = None,
    strict: bool = False,
    settings: Optional[Settings] = None,
) -> ScanReport:
    """Scan every Python file under ``paths`` as one project.

    ``jobs`` is the number of processes; by default large trees use one per CPU. Files that
    cannot be read or parsed are notes; ``strict`` makes the exit status count them.
    ``settings`` (from ``[tool.ctxfix]``) leaves out files and silences rules per file.
    """
    notes: list[ScanError] = []
    paths_found = list(files.walk(paths, notes, settings))
    report = ScanReport(files=len(paths_found), strict=strict)
    modules: list[Module] = []
    names: dict[str, int] = {}
    tops = _tops(paths_found)
    for path, result in zip(paths_found, _scan_all(paths_found, jobs, tops)):
        if isinstance(result, ScanError):
            notes.append(result)
            continue
        if result.name in names:
            # Another file with the same module name (two `migrations/env.py`, two projects at
            # once): model it again under a name of its own.
            names[result.name] += 1
            again = _renamed(path, result, names[result.name], tops)
            if again is None:
                continue
            result = again
        else:
            names[result.name] = 0
        modules.append(result)
    report.findings, rule_notes = run_rules(modules, select, ignore)
    if settings is not None and settings.per_file_ignores:
        report.findings = [f for f in report.findings if not settings.ignored(f.path, f.rule)]
    report.errors = sorted(notes + rule_notes)
    return report


def _renamed(path: str, module: Module, n: int, tops: frozenset[str]) -> Optional[Module]:
    source = files.read(path)
    if isinstance(source, ScanError):
        return None
    _, package = files.ModuleNames().name(path)
    again = model(source, path, f"{module.name}~{n}", package, tops)
    return again if isinstance(again, Module) else None


def scan_source(source: str, path: str = "<string>") -> list[ScanFinding]:
    """Scan one module's source on its own. Raises :class:`SyntaxError` if it does not parse."""
    stem = path.replace("\\", "/").rsplit("/", 1)[-1]
    name = stem[:-3] if stem.endswith(".py") else "module"
    result = model(source, path, name if name.isidentifier() else "module", "")
    if isinstance(result, ScanError):
        raise SyntaxError(result.message)
    findings, _ = run_rules([result])
    return findings
