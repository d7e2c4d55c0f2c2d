"""Patches: the diagnosed fix, made to the user's own files, as a unified diff for ``patch -p0``.

:func:`build` takes the engine's findings and the folder explain runs in, maps each finding's
frames onto files there, applies the edit of its cause (:mod:`ctxfix.patch.causes`) with libcst,
and returns the diff and one line per finding that could not be patched, saying why.
The user's files are read, never imported or run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

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
    for fr in frames:
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
        places.append(Place(local, rel, fr.line, fr.function, fr.code))
    return places, outside


def build(
    findings: Iterable[Finding], cwd: Optional[Path] = None, project_root: Optional[str] = None
) -> PatchSet:
    """The patch for every finding that can be patched, and why the others cannot."""
    from ctxfix.patch.apps import AppFinder
    from ctxfix.patch.causes import EDITS, Case, for_unsettled

    cwd = (cwd or Path.cwd()).resolve()
    project = Project(cwd)
    apps = AppFinder(project)
    out = PatchSet()
    originals: dict[Path, str] = {}
    results: dict[Path, str] = {}
    created: dict[Path, str] = {}
    for f in findings:
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
        places, outside = places_of(f, cwd, project_root)
        if not places:
            why = outside[-1] if outside else "no frame of the traceback is in a file of yours"
            if not outside and cause == "pytest-test":
                why += " (pytest --tb=line shows only the library's line: use --tb=short)"
            if f.location is not None and f.location.path.startswith("<"):
                why = f"{f.location.path} is code typed at a prompt, not a file"
            out.notes.append(f"no patch for {where} ({cause}): {why}")
            continue
        case = Case(
            cause,
            f.variant,
            f.family,
            f.proxy,
            f.message,
            places,
            [fr.path for fr in f.frames],
            project,
            apps,
        )
        try:
            edit(case)
            texts = {p: e.apply() for p, e in case.edits.items()}
        except PatchError as exc:
            out.notes.append(f"no patch for {where} ({cause}): {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - one odd file must not cost the other patches
            out.notes.append(
                f"no patch for {where} ({cause}): ctxfix failed while editing "
                f"({type(exc).__name__}: {exc}); please report it"
            )
            continue
        touched = set(texts) | set(case.new_files)
        if touched & (set(results) | set(created)):
            out.notes.append(
                f"no patch for {where} ({cause}): its file is already patched for an earlier "
                "error; apply this patch, run again, and explain the new traceback"
            )
            continue
        changed = False
        for p, text in texts.items():
            src = project.source(p)
            assert src is not None
            if text != src.text:
                originals[p] = src.text
                results[p] = text
                changed = True
        for p, text in case.new_files.items():
            created[p] = text
            changed = True
        if changed:
            out.patched += 1
        else:
            out.notes.append(f"no patch for {where} ({cause}): the edit changed nothing")
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
