"""Patches: the diagnosed fix, made to the user's own files, as a unified diff for ``patch -p0``.

:func:`build` takes the engine's findings and the folder explain runs in, maps each finding's
frames onto files there, applies the edit of its cause (:mod:`ctxfix.patch.causes`) with libcst,
and returns the diff and one line per finding that could not be patched, saying why.
The user's files are read, never imported or run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional

from ctxfix._record import replace as replace_record
from ctxfix.patch.source import PatchError, Place, Project, is_library, map_path

if TYPE_CHECKING:
    from ctxfix.engine import Finding

__all__ = ["PatchError", "PatchSet", "build", "makes_patch"]


@dataclass
class PatchSet:
    """What ``explain --diff`` prints: the diff on stdout, the notes on stderr."""

    diff: str = ""
    notes: list[str] = field(default_factory=list)
    patched: int = 0
    """Findings a patch was made for."""
    files: list[str] = field(default_factory=list)


def _occurrences(f: Finding) -> list[Finding]:
    """The finding once for each way its error was reached (each test calling a helper)."""
    return [f] + [replace_record(f, frames=frames, more_frames=[]) for frames in f.more_frames]


def makes_patch(cause_id: str) -> bool:
    """True when explain --diff has an edit for the cause (the bundled causes)."""
    from ctxfix.patch.causes import EDITS

    return cause_id in EDITS


def _where(f: Finding) -> str:
    loc = f.location
    return f"{loc.path}:{loc.line}" if loc is not None and loc.line else "the traceback"


def places_of(f: Finding, cwd: Path, project_root: Optional[str]) -> tuple[list[Place], list[str]]:
    """The finding's frames that are the user's files here, outermost first, up to its location."""
    frames = list(f.frames)
    loc = f.location
    if loc is not None:
        for i in range(len(frames) - 1, -1, -1):
            fr = frames[i]
            if (fr.path, fr.line, fr.function) == (loc.path, loc.line, loc.function):
                frames = frames[: i + 1]
                break
        else:
            frames = [*frames, loc]  # type: ignore[list-item]
    places: list[Place] = []
    outside: list[str] = []
    for index, fr in enumerate(frames):
        if fr.line is None:
            continue
        local, why = map_path(fr.path, cwd, project_root)
        if local is None:
            if fr.path.endswith(".py") and not is_library(Path(fr.path)):
                outside.append(why)
            continue
        if is_library(local) or not local.is_file():
            if not local.is_file() and not is_library(local) and not fr.path.startswith("<"):
                outside.append(f"{fr.path} is not in this folder")
            continue
        rel = local.resolve().relative_to(cwd.resolve()).as_posix()
        places.append(Place(local, rel, fr.line, fr.function, fr.code, index))
    return places, outside


def build(
    findings: Iterable[Finding], cwd: Optional[Path] = None, project_root: Optional[str] = None
) -> PatchSet:
    """The patch for every finding that can be patched, and why the others cannot."""
    from ctxfix.patch.apps import AppFinder
    from ctxfix.patch.case import Case
    from ctxfix.patch.causes import EDITS, QUART_EDITS, for_unsettled

    cwd = (cwd or Path.cwd()).resolve()
    project = Project(cwd)
    apps = AppFinder(project)
    out = PatchSet()
    # Every error's edits go to the same parsed files, so one patch fixes them all (three
    # failing tests in one module, say); an error whose edits clash with an earlier one's waits.
    shared = Case("", None, "", None, "", [], [], project, apps)
    for f in (o for g in findings for o in _occurrences(g)):
        where = _where(f)
        cause = f.cause_id
        edit = EDITS.get(cause) if cause is not None else for_unsettled(f.candidates)
        if cause is None and edit is None:
            out.notes.append(
                f"no patch for {where}: the cause is not settled "
                "(answer its question with --answer)"
            )
            continue
        cause = cause or "/".join(f.candidates)
        if edit is None:
            out.notes.append(
                f"no patch for {where}: ctxfix has no patch for {cause}; see `ctxfix show {cause}`"
            )
            continue
        knows_quart = cause in QUART_EDITS or f.cause_id is None  # the unsettled push does
        if f.family.startswith("quart-") and not knows_quart:
            # This edit pushes Flask's contexts with `with`; Quart's are pushed with `async
            # with` in a coroutine, so it would not run there.
            out.notes.append(
                f"no patch for {where} ({cause}): ctxfix's edit for it is Flask's, not Quart's; "
                f"the fix above is Quart's"
            )
            continue
        places, outside = places_of(f, cwd, project_root)
        if not places:
            why = outside[-1] if outside else "no frame of the traceback is in a file of yours"
            if not outside and cause == "pytest-test":
                why += " (pytest --tb=line shows only the library's line: use --tb=short)"
            if f.location is not None and f.location.path.startswith("<"):
                why = f"{f.location.path} is code typed at a prompt, not a file"
            out.notes.append(f"no patch for {where} ({cause}): {why}")
            continue
        case = replace(
            shared,
            cause=cause,
            variant=f.variant,
            family=f.family,
            proxy=f.proxy,
            message=f.message,
            places=places,
            frame_paths=[fr.path for fr in f.frames],
        )
        before = {p: e.snapshot() for p, e in shared.edits.items()}
        new_before, added_before = dict(shared.new_files), set(shared.fixtures_added)
        try:
            edit(case)
            for e in shared.edits.values():
                e.apply()
        except Exception as exc:  # noqa: BLE001 - one odd file must not cost the other patches
            for p in list(shared.edits):
                if p in before:
                    shared.edits[p].restore(before[p])
                else:
                    del shared.edits[p]
            shared.new_files.clear()
            shared.new_files.update(new_before)
            shared.fixtures_added.intersection_update(added_before)
            why = str(exc)
            if not isinstance(exc, PatchError):
                why = f"ctxfix failed while editing ({type(exc).__name__}: {exc}); please report it"
            out.notes.append(f"no patch for {where} ({cause}): {why}")
            continue
        if _same(shared, before, new_before):
            out.notes.append(f"no patch for {where} ({cause}): the edit changed nothing")
        else:
            out.patched += 1
    originals: dict[Path, str] = {}
    results: dict[Path, str] = {}
    for p, e in shared.edits.items():
        text = e.apply()
        if text != e.source.text:
            originals[p], results[p] = e.source.text, text
    created = shared.new_files
    parts = []
    for p in sorted(results):
        rel = p.relative_to(cwd).as_posix()
        parts.append(unified(originals[p], results[p], rel, rel))
        out.files.append(rel)
    for p in sorted(created):
        rel = p.relative_to(cwd).as_posix()
        parts.append(unified("", created[p], "/dev/null", rel))
        out.files.append(rel)
    out.diff = "".join(parts)
    return out


def _same(case: Any, before: dict, new_before: dict) -> bool:
    """The error's edit added nothing to what the earlier errors' edits do."""
    if case.new_files != new_before or set(case.edits) != set(before):
        return False
    return all(e.snapshot() == before[p] for p, e in case.edits.items())


def unified(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff GNU patch applies with -p0, including a file's missing last newline."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(a, b, old_name, new_name, n=3):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)
