"""IPython and Jupyter tracebacks: ``RuntimeError    Traceback (most recent call last)``
headers, ``Cell In[3], line 1`` and ``File ~/shop.py:9, in price(amount)`` frames (8 and
newer), ``~/shop.py in price(amount)`` (7), and the numbered source lines with an arrow."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ctxfix.read.clean import Lazy
from ctxfix.read.kinds import EXC_NOTYPE_PREFIXED
from ctxfix.read.model import Frame
from ctxfix.read.shapes.python import open_traceback

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

_FRAME = Lazy(
    r"^(?:Cell (?P<cell>In ?\[\d+\]), line (?P<cline>\d+)|Input (?P<input>In ?\[\d+\])"
    r"|File (?P<path>\S.*?):(?P<line>\d+))(?:, in (?P<func>\S(?:.*\S)?))?\s*$"
)
"""IPython 8+ frame lines: ``Cell In[3], line 1``, ``File ~/shop.py:9, in price(amount)``."""
_FRAME7 = Lazy(
    r"^(?P<path><ipython-input-[\w-]+>|\S.*?\.py|\S*ipykernel_\S+)"
    r" in (?P<func>[\w<>.]+)(?:\(.*)?$"
)
"""IPython 7 frame lines (``~/shop.py in price(amount)``), read only after an IPython header."""
_SOURCE = Lazy(r"^(?P<arrow>-*>)?\s*(?P<line>\d+)(?:\s(?P<code>.*))?$")


def _inside(r: TracebackReader) -> bool:
    return r.st.tb is not None and r.st.tb.shape == "ipython"


def header(r: TracebackReader, ln: Line) -> bool:
    """The exception's name printed before the header, as IPython does."""
    if not ln.header:
        return False
    prefix = ln.body[: ln.header.start()]
    if not prefix.strip() or not EXC_NOTYPE_PREFIXED.match(prefix):
        return False
    open_traceback(r, ln, "ipython", "")
    return True


def frame(r: TracebackReader, ln: Line) -> bool:
    stripped = ln.stripped
    m = _FRAME.match(stripped) if stripped[:4] in ("File", "Cell", "Inpu") else None
    if m is None and " in " in stripped and _inside(r):
        m = _FRAME7.match(stripped)
    if m is None:
        return False
    st = r.st
    if st.tb is None or (st.tb.exc_type is not None and not st.chained):
        r.end_record(ln)
        r.start(ln, "ipython")
    st.chained = False
    tb = st.tb
    assert tb is not None
    r.add_frame(tb, _frame(m))
    tb.end_line = ln.lineno
    st.expecting_code = st.in_message = False
    st.noise_run = 0
    return True


def numbered_source(r: TracebackReader, ln: Line) -> bool:
    """IPython prints a few numbered lines around each frame's line; the arrow marks it."""
    stripped = ln.stripped
    tb = r.st.tb
    if (
        not _inside(r)
        or tb is None
        or tb.exc_type is not None
        or not (stripped[:1].isdigit() or stripped[:2] in ("->", "--"))
    ):
        return False
    m = _SOURCE.match(stripped)
    if m is None:
        return False
    if m.group("arrow") and tb.frames and not tb.frames[-1].code:
        last = tb.frames[-1]
        line_no = last.line if last.line is not None else int(m.group("line"))
        tb.frames[-1] = Frame(last.path, line_no, last.function, (m.group("code") or "").strip())
    tb.end_line = ln.lineno
    return True


def _frame(m: re.Match) -> Frame:
    """A Frame from an IPython frame line; a cell keeps its name (``Cell In[3]``) as its path."""
    groups = m.groupdict()
    if groups.get("cell"):
        path, line = "Cell " + m.group("cell"), int(m.group("cline"))
    elif groups.get("input"):
        path, line = "Input " + m.group("input"), None
    else:
        path = m.group("path")
        line = int(m.group("line")) if groups.get("line") else None
    func = (m.group("func") or "").strip()
    if func.startswith("<cell line"):
        func = "<module>"
    elif func:
        # "LocalProxy.__init__.<locals>._get_current_object()": Python's own name is the last.
        func = func.split("(", 1)[0].rsplit(".", 1)[-1] or func
    elif path.startswith(("Cell ", "Input ")):
        func = "<module>"
    return Frame(path, line, func)
