"""The explain service: open the inputs, read them, diagnose, group.

What ``ctxfix explain``, ``ctxfix diagnose``, ``ctxfix run`` and the pytest plugin share. It
returns the engine's :class:`~ctxfix.engine.Outcome` and draws nothing; errors a user can cause
are raised as :class:`~ctxfix.read.stream.InputError` with a one-line message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence

from ctxfix import engine
from ctxfix.knowledge import KnowledgeBase
from ctxfix.read.stream import InputError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import Callable

    from ctxfix.patch import PatchSet

    Progress = Callable[[int, str], AbstractContextManager[Optional[Callable[[int], None]]]]
    """Makes a progress context for one input from its size and name; the context yields a
    function to call with the bytes read so far, or None."""

__all__ = [
    "EMPTY_INPUT",
    "PROGRESS_FROM",
    "InputError",
    "example_file",
    "explain_files",
    "explain_text",
    "patches",
]

EMPTY_INPUT = "the input is empty: paste a traceback, or give a file that holds one"

PROGRESS_FROM = 5 * 1024 * 1024
"""Inputs smaller than this are read before progress would be worth reporting."""


EXAMPLE = "background-thread--thread-app-config.txt"
"""The bundled sample (``explain --example``): what the background-thread cause's example
printed under Flask 3.1.3, as scripts/capture_corpus.py recorded it in tests/tracebacks/."""


def example_file() -> str:
    """The path of the bundled sample traceback: inside the wheel, or in a checkout's tests."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    inside = os.path.join(here, "example", EXAMPLE)
    if os.path.isfile(inside):
        return inside
    return os.path.join(os.path.dirname(here), "tests", "tracebacks", "flask-3.1.3", EXAMPLE)


def explain_files(
    names: Sequence[str],
    kb: KnowledgeBase,
    *,
    project_root: Optional[str] = None,
    answers: Optional[dict[str, str]] = None,
    progress: Optional[Progress] = None,
) -> engine.Outcome:
    """Explain every Flask context error in the files ``names`` (``-`` is stdin).

    Identical errors are grouped with a count; ``answers`` settles the tree's questions.
    ``progress`` is used for inputs of PROGRESS_FROM bytes or more. Raises InputError for a
    file that cannot be read, or when every input is empty.
    """
    from contextlib import nullcontext

    from ctxfix.read.parallel import feed_file
    from ctxfix.read.stream import open_source, source_size

    findings: list[engine.Finding] = []
    tracebacks = truncated = dropped = 0
    others: list[str] = []
    saw_text = False
    for name in names:
        stream = open_source(name)
        try:
            ex = engine.Explainer(kb, project_root)
            size = source_size(stream)
            big = progress is not None and size is not None and size >= PROGRESS_FROM
            with progress(size, name) if big else nullcontext(None) as advance:  # type: ignore[misc]
                found, had_text = feed_file(
                    stream,
                    ex,
                    "stdin" if name == "-" else name,
                    progress=advance,
                    fold=engine.group,
                )
            saw_text = saw_text or had_text
            found.extend(ex.close())
        finally:
            if name != "-":
                stream.close()
        for f in found:
            f.source = None if name == "-" else name
        findings.extend(found)
        tracebacks += ex.tracebacks
        truncated += ex.truncated
        dropped += ex.dropped
        others.extend(ex.other_errors)
    if not saw_text:
        raise InputError(EMPTY_INPUT)
    if answers:
        findings = [engine.reconsider(kb, f, answers) for f in findings]
    return engine.Outcome(engine.group(findings), tracebacks, others, truncated, dropped)


def explain_text(
    text: str, kb: KnowledgeBase, *, project_root: Optional[str] = None
) -> engine.Outcome:
    """Explain every Flask context error in ``text``, identical ones grouped with a count."""
    return engine.explain_lines(kb, text.splitlines(), project_root)


def patches(findings: Sequence[engine.Finding], *, project_root: Optional[str] = None) -> PatchSet:
    """explain --diff: the patch of the user's files (in this folder) that fixes ``findings``,
    and a note for each finding that cannot be patched. Imports libcst, so only when asked."""
    from ctxfix.patch import build

    return build(findings, project_root=project_root)
