"""Log viewers' own lines inside a traceback: a time stamp (and level) or the program's name
printed on a line of its own above each line of the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.kinds import EXC, PY_FRAME, is_meta_line

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader


def viewer_line(r: TracebackReader, ln: Line) -> bool:
    line = ln.line
    history = r.history
    if (
        r.st.tb is None
        or not line
        or len(line) >= 80
        or not (is_meta_line(line) or (len(history) == 2 and line == history[0]))
        or PY_FRAME.search(line)
        or EXC.match(line.strip())
    ):
        return False
    return True
