"""Python's own traceback: the header, ``File "x.py", line 3, in f`` frames with their source
lines and carets, and the separators of a chain of exceptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import Lazy
from ctxfix.read.kinds import (
    EXC,
    frame_function,
    is_caret,
    is_chain,
    looks_final,
    prefix_pattern,
)
from ctxfix.read.model import Frame
from ctxfix.read.reader import MAX_CHAIN

if TYPE_CHECKING:
    from ctxfix.read.model import Traceback
    from ctxfix.read.reader import Line, TracebackReader

_DUNDER = Lazy(r"\*\*(\w+)\*\*")
"""``**next**``: Markdown's bold, which a converter made of ``__next__``; frames name dunders
far more often than they hold asterisks."""


def open_traceback(r: TracebackReader, ln: Line, shape: str, prefix: str) -> None:
    """A header: a new record, or the next link of a chain; learn the log prefix before it."""
    st = r.st
    chained = st.chained
    if st.tb is not None and not chained:
        r.end_record(ln)
    if chained and st.tb is not None:
        st.chained = False
        st.tb.end_line = ln.lineno
    else:
        r.start(ln, shape)
    # A quote or backtick right before the header opens a pasted string or Markdown code
    # span; the lines after it do not repeat it, so it is no part of their prefix.
    prefix = prefix.rstrip().rstrip("`'\"")
    st.prefix = prefix_pattern(prefix) if prefix.strip() else st.prefix


def header(r: TracebackReader, ln: Line) -> bool:
    """``Traceback (most recent call last):``, after whatever log prefix."""
    if not ln.header:
        return False
    open_traceback(r, ln, "python", ln.body[: ln.header.start()])
    return True


def frame(r: TracebackReader, ln: Line) -> bool:
    """``File "path", line N, in function`` (also unquoted paths, and after a log prefix)."""
    m = ln.frame()
    if m is None:
        return False
    st = r.st
    if st.tb is None or (st.tb.exc_type is not None and not st.chained):
        r.end_record(ln)
        _cut_caller(r, r.start(ln))
    elif st.chained:
        st.chained = False
    prefix = ln.body[: m.start()]
    if prefix.strip() and st.prefix is None:
        st.prefix = prefix_pattern(prefix)
    tb = st.tb
    assert tb is not None
    path, func = m.group("path"), frame_function(m)
    if "**" in path or "**" in func:
        path, func = _DUNDER.sub(r"__\1__", path), _DUNDER.sub(r"__\1__", func)
    r.add_frame(tb, Frame(path, int(m.group("line")), func))
    tb.end_line = ln.lineno
    st.expecting_code = True
    st.in_message = False
    st.noise_run = 0
    return True


CUT = "<cut>"
"""The path of a frame whose ``File`` line the paste cut off: only its source line is left."""


def _cut_caller(r: TracebackReader, tb: Traceback) -> None:
    """A paste that starts inside a traceback often keeps the source line of the frame above
    its first ``File`` line (``    self._target(*self._args, **self._kwargs)``, ``    from .views
    import bp``): keep it as a frame of unknown place, so what that line says is not lost. (The
    reader's history holds cleaned lines: tabs are spaces there.)"""
    prev = r.history[-1] if r.history else ""
    code = prev.strip()
    if (
        code
        and prev[:1] == " "
        and not is_caret(prev)
        and not code.startswith(("Traceback", "During handling", "The above exception"))
    ):
        r.add_frame(tb, Frame(CUT, 0, "", code))


def source(r: TracebackReader, ln: Line) -> bool:
    """The source line Python prints under a frame."""
    st = r.st
    tb = st.tb
    stripped = ln.stripped
    if (
        tb is None
        or not st.expecting_code
        or not stripped
        or is_caret(ln.body)
        or (EXC.match(stripped) and looks_final(stripped))
        or (tb.shape == "pytest" and stripped.startswith("E") and _pytest_e(stripped))
    ):
        return False
    last = tb.frames[-1]
    if stripped != "???":  # pytest's mark for source it could not read
        tb.frames[-1] = Frame(last.path, last.line, last.function, stripped)
    tb.end_line = ln.lineno
    st.expecting_code = False
    return True


def _pytest_e(stripped: str) -> bool:
    from ctxfix.read.shapes.pytest import E_LINE

    return E_LINE.match(stripped) is not None


def caret(r: TracebackReader, ln: Line) -> bool:
    """``^^^^`` and ``~~~^^`` under a source line (Python 3.11+)."""
    tb = r.st.tb
    if tb is None or tb.exc_type is not None or not is_caret(ln.body):
        return False
    tb.end_line = ln.lineno
    return True


def chain(r: TracebackReader, ln: Line) -> bool:
    """ "During handling of the above exception..." and "The above exception was the direct
    cause...": the record goes on with the next exception of the chain."""
    if not is_chain(ln.body):
        return False
    st = r.st
    tb = st.tb
    if tb is not None:
        if len(tb.chain) >= MAX_CHAIN:
            del tb.chain[3]  # an endless chain keeps its first links and the newest
        tb.chain.append((tb.exc_type, tb.message.strip("\n"), tb.frames))
        tb.frames = []
        tb.exc_type = None
        tb.message = ""
        tb.end_line = ln.lineno
        st.chained = True
        st.in_message = False
    return True
