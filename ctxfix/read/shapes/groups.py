"""Exception groups (Python 3.11+): ``asyncio.TaskGroup``, anyio and Trio task groups, and
``except*`` print every failed task's traceback inside the group's, behind a ``|`` margin::

      + Exception Group Traceback (most recent call last):
      |   File "main.py", line 13, in <module>
      | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
      +-+---------------- 1 ----------------
        | Traceback (most recent call last):
        |   File "main.py", line 6, in send_receipt
        | RuntimeError: Working outside of application context.
        +------------------------------------

(``TracebackException.format`` and ``_ExceptionPrintContext`` in CPython's traceback.py.) Each
sub-exception is an error of its own; the group's frames are where its task was started and
awaited (a script's ``<module>``, a view), so they become its outer frames. Python 3.11 and 3.12
print the further lines of a sub-exception's message at column 0, without the margin (the
message shape reads them on: :func:`margin_dropped`); 3.13 keeps the margin on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import Lazy
from ctxfix.read.kinds import strip_known_prefix
from ctxfix.read.shapes.python import open_traceback

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

MARGIN = Lazy(r"^\s*[+|] ?")
"""The margin in front of every line of a group: the reader's prefix while it reads one."""
_HEADER = Lazy(r"^\s*(?:[+|] )?Exception Group Traceback \(most recent call last\):?\s*$")
_SUB = Lazy(r"^\s*(?:\+-)?(\+)-{16} (?:\d+|\.\.\.) -{16}\s*$")
"""``+-+---- 1 ----`` opens a group's first sub-exception, ``  +---- 2 ----`` the next ones."""
_CLOSE = Lazy(r"^\s*\+-{36}\s*$")
_MAX_DEPTH = 16


def margin_dropped(r: TracebackReader) -> bool:
    """The record is a sub-exception's, whose message lines may come without the margin (the
    further lines of its message, on Python 3.11 and 3.12)."""
    return r.st.prefix is MARGIN


def header(r: TracebackReader, ln: Line) -> bool:
    """``+ Exception Group Traceback (most recent call last):``: a group's own traceback, a new
    record, or the next link of a record when the group is a sub-exception of another."""
    if "Exception Group" not in ln.body or not _HEADER.match(ln.body):
        return False
    open_traceback(r, ln, "python", "")
    r.st.prefix = MARGIN  # type: ignore[assignment]
    return True


def separator(r: TracebackReader, ln: Line) -> bool:
    """The lines that open each sub-exception and close the last one."""
    # The margin pattern would take the separator's own `+` for a margin: read the whole line.
    text = strip_known_prefix(ln.line)
    stripped = text.strip()
    if stripped[:2] != "+-":
        return False
    st = r.st
    if _CLOSE.match(text):
        r.end_record(ln)
        return True
    m = _SUB.match(text)
    if m is None:
        return False
    level = m.start(1)
    tb = st.tb
    outer = [g for g in st.group_links if g[0] < level][: _MAX_DEPTH - 1]
    if stripped.startswith("+-+"):
        # The first sub-exception goes on from the group's record: the group's frames are its
        # outer frames, and the group's own line ("ExceptionGroup: ...") stays as context.
        if tb is None:
            return True
        if tb.exc_type:
            tb.context = [*tb.context, f"{tb.exc_type}: {tb.first_message_line}"[:200]]
        st.group_links = (*outer, (level, tuple(tb.chain), tuple(tb.frames), tuple(tb.context)))
        tb.exc_type, tb.message = None, ""
    elif " ... " in stripped:
        # Past max_group_width: "and N more exceptions" follows, with nothing to read.
        r.end_record(ln)
        return True
    else:
        # A further sub-exception of the same group: an error of its own, with the same outer
        # frames.
        r.end_record(ln)
        same = [g for g in st.group_links if g[0] == level]
        st.group_links = (*outer, *same)
        tb = r.start(ln)
        if same:
            _, chain, frames, context = same[0]
            tb.chain, tb.frames, tb.context = list(chain), list(frames), list(context)
    tb.end_line = ln.lineno
    st.chained = True
    st.in_message = False
    st.prefix = MARGIN  # type: ignore[assignment]
    return True
