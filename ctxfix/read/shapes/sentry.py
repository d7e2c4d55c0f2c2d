"""Error trackers' frames: ``shop/mail.py in send at line 12``, often below the message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import Lazy
from ctxfix.read.model import Frame

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

_FRAME = Lazy(r"^\s*(?P<path>\S+\.py) in (?P<func>[\w<>.]+) at line (?P<line>\d+)\s*$")


def frame(r: TracebackReader, ln: Line) -> bool:
    m = _FRAME.match(ln.body) if " at line " in ln.body else None
    if m is None:
        return False
    st = r.st
    tb = st.tb
    if tb is None or (tb.exc_type is not None and tb.frames and tb.shape != "sentry"):
        r.end_record(ln)
        r.start(ln, "sentry")
    tb = st.tb
    assert tb is not None
    tb.shape = "sentry"  # a message printed first and its frames under it are one report
    r.add_frame(tb, Frame(m.group("path"), int(m.group("line")), m.group("func")))
    tb.end_line = ln.lineno
    st.expecting_code = True
    return True
