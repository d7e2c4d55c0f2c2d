"""pytest's failure reports in every ``--tb`` form: section headers, ``E`` lines, ``>`` source
lines, ``path:N: in f`` and ``path:N: Error`` locations, ``--tb=line``, the long form's library
excerpts, and the short test summary; unittest's ``ERROR: test (...)`` headers too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import ANSI, Lazy
from ctxfix.read.kinds import EXC, EXC_REPR, gist, is_chain, looks_final, unrepr
from ctxfix.read.model import Frame
from ctxfix.read.reader import MAX_MESSAGE_LINES

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

E_LINE = Lazy(r"^E(?: {1,12}|$)")
_FRAME = Lazy(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): in (?P<func>\S+)\s*$")
_LOC = Lazy(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+):(?: (?P<exc>[\w.]+))?\s*$")
_LINE_FORM = Lazy(
    r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): (?P<type>[\w.]*(?:Error|Exception|Exit)): "
    r"(?P<msg>.*)$"
)
_DEF = Lazy(r"^\s*(?:async\s+)?def (\w+)\(")
_SOURCE = Lazy(r"^\s{0,8}>\s{3,}\S")
"""pytest's mark on the line a frame was at; up to 8 spaces in front for an indented paste."""
_SUMMARY = Lazy(r"^(?P<kind>FAILED|ERROR) (?P<test>\S+)(?: - (?P<msg>.+))?$")
r"""The short summary's lines; the test must hold ``::`` or end in ``.py`` (checked in code: a
lazy ``\S+?`` before ``::\S+`` is quadratic on a long word)."""
_SECTION = Lazy(
    r"^(?:_{3,} (?P<t1>.+?) _{3,}|={3,} (?P<t2>.+?) ={3,}|(?P<t3>(?:ERROR|FAIL): \w+ \(.+\)))\s*$"
)


def _inside(r: TracebackReader) -> bool:
    return r.st.tb is not None and r.st.tb.shape == "pytest"


def section(r: TracebackReader, ln: Line) -> bool:
    """``____ test_x ____`` and ``==== FAILURES ====`` headers, and the summary's lines."""
    stripped = ln.stripped
    if stripped[:3] not in ("___", "===", "ERR", "FAI"):
        return False
    if _SECTION.match(stripped):
        r.end_record(ln)
        r.st.summary_tail = 0
        r.st.section = stripped
        r.st.section_indent = len(ln.body) - len(ln.body.lstrip())
        r.st.section_args = ()
        r.st.pytest_def = ""
        return True
    m = _SUMMARY.match(stripped)
    if m is None or not ("::" in m.group("test") or m.group("test").endswith(".py")):
        return False
    _summary(r, ln, (m.group("msg") or "").strip())
    return True


def _summary(r: TracebackReader, ln: Line, msg: str) -> None:
    """pytest's short summary line: a record only when its error was not read already."""
    r.end_record(ln)
    r.st.summary_tail = MAX_MESSAGE_LINES if msg else 0
    exc = EXC.match(msg) if msg else None
    if exc is None:
        return
    text = (exc.group("msg") or "").rstrip(".").rstrip()
    if text.endswith("..."):
        text = text[:-3]
    if r.seen_before(text):
        return
    tb = r.start(ln, "pytest-summary")
    tb.exc_type = exc.group("type")
    tb.message = text
    tb.context = [*tb.context, ln.stripped]
    r.end_record(ln)


def summary_tail(r: TracebackReader, ln: Line) -> bool:
    """The rest of a short-summary message printed whole (on CI, or with ``-vv``): Flask's
    explanation under "Working outside of ...", for one. It belongs to the summary line above,
    so it is no error of its own; a traceback or a frame ends it."""
    st = r.st
    if not st.summary_tail:
        return False
    if st.tb is not None or ln.header or ln.frame() is not None:
        st.summary_tail = 0
        return False
    st.summary_tail -= 1
    return True


_ARG = Lazy(r"^[A-Za-z_]\w* = \S")


def argument(r: TracebackReader, ln: Line) -> bool:
    """``_db = <SQLAlchemy engine=None>``: the long form lists the failing function's arguments
    under the section header; they are context of the failure the section holds."""
    st = r.st
    if st.tb is not None or st.section[:1] != "_" or ">" in ln.raw[:8]:
        return False  # (a `>` source line, which cleaning took for a quote)
    text = ln.body if ln.known_prefix else ln.line
    indent = st.section_indent
    # At the section header's column: the source excerpts are indented further.
    if text[:indent].strip() or not _ARG.match(text[indent:]):
        return False
    if len(st.section_args) < 20:
        st.section_args = (*st.section_args, ln.stripped[:200])
    return True


def def_line(r: TracebackReader, ln: Line) -> bool:
    """Remembers the function an excerpt shows (its first ``def``); never claims the line."""
    if "def " in ln.body and not r.st.pytest_def:
        m = _DEF.match(ln.body)
        if m:
            # The first def of an excerpt is its function; later ones sit in its docstring.
            r.st.pytest_def = m.group(1)
    return False


def e_line(r: TracebackReader, ln: Line) -> bool:
    """``E   RuntimeError: Working outside...``: the exception and its message."""
    stripped = ln.stripped
    if not stripped.startswith("E") or stripped[1:2] not in ("", " "):
        return False
    e = E_LINE.match(stripped)
    if e is None:
        return False
    st = r.st
    text = stripped[e.end() :]
    m = EXC.match(text)
    tb = st.tb
    if tb is None or (tb.exc_type is not None and not st.in_message):
        r.end_record(ln)
        tb = r.start(ln, "pytest")
    if tb.exc_type is None and m and m.group("msg") is not None:
        tb.exc_type = m.group("type")
        tb.message = m.group("msg") or ""
        st.in_message = True
        st.message_lines = 0
    elif tb.exc_type is not None and st.in_message:
        if st.message_lines < MAX_MESSAGE_LINES:
            tb.message += "\n" + text
            st.message_lines += 1
    elif tb.exc_type is None and text.strip():
        # E-lines before the "Type: message" line: a repr of the error, e.g. in assertions.
        rm = EXC_REPR.search(text)
        if rm:
            tb.exc_type = rm.group("type")
            tb.message = unrepr(rm.group("msg"))
    tb.shape = "pytest"
    tb.e_lines = True
    tb.end_line = ln.lineno
    st.expecting_code = False
    return True


def source(r: TracebackReader, ln: Line) -> bool:
    """``>       value = current_app.config["X"]``: the line a frame was at."""
    st = r.st
    if st.tb is not None and st.tb.shape in ("python", "message"):
        return False
    # Cleaning takes a leading `>` for a Markdown quote, so look at the line as printed; after
    # a log prefix, cleaning left the `>` alone.
    printed = ">" in ln.raw[:12] and _SOURCE.match(
        ANSI.sub("", ln.raw) if "\x1b" in ln.raw else ln.raw
    )
    if not printed and not (ln.known_prefix and _SOURCE.match(ln.body)):
        return False
    exc = EXC.match(ln.stripped)
    if exc is not None and exc.group("msg") is not None and looks_final(ln.stripped):
        # `>     RuntimeError: ...`: a Markdown quote of an indented paste, not pytest's mark on
        # a source line (pytest marks code, and an exception line is none).
        return False
    st.pytest_source = ln.stripped.lstrip(">").strip()
    if st.tb is None or (st.tb.exc_type is not None and not st.in_message):
        r.end_record(ln)
        r.start(ln, "pytest")
    st.in_message = False
    return True


def line_form(r: TracebackReader, ln: Line) -> bool:
    """``--tb=line``: ``path.py:12: RuntimeError: message``, one line per failure."""
    if ".py:" not in ln.stripped:
        return False
    m = _LINE_FORM.match(ln.stripped)
    if m is None:
        return False
    st = r.st
    tb = st.tb
    where = Frame(m.group("path"), int(m.group("line")), "")
    if (
        tb is not None
        and tb.shape == "pytest"
        and not tb.frames
        and gist(tb.message) == gist(m.group("msg"))
    ):
        # --tb=line after the E-lines of the same failure: where it was raised.
        tb.frames.append(where)
        tb.end_line = ln.lineno
    else:
        r.end_record(ln)
        tb = r.start(ln, "pytest-line")
        tb.frames.append(where)
        tb.exc_type = m.group("type")
        tb.message = m.group("msg")
    r.end_record(ln)
    return True


def location(r: TracebackReader, ln: Line) -> bool:
    """``path.py:12: in f`` (a frame; its source comes next) and ``path.py:12: Error``."""
    stripped = ln.stripped
    if ".py:" not in stripped:
        return False
    st = r.st
    m = _FRAME.match(stripped)
    if m is None:
        if st.tb is None:
            return False
        m = _LOC.match(stripped)
        if m is None:
            return False
    if st.tb is None:
        r.start(ln, "pytest")
    tb = st.tb
    assert tb is not None
    groups = m.groupdict()
    func = groups.get("func") or st.pytest_def
    r.add_frame(tb, Frame(m.group("path"), int(m.group("line")), func, st.pytest_source))
    if groups.get("exc") and tb.exc_type is None:
        tb.exc_type = m.group("exc")
    tb.shape = "pytest"
    tb.end_line = ln.lineno
    # `path:N: in func` prints the frame's source line under it; a location line alone
    # comes after its source, which the `>` line already gave.
    st.expecting_code = bool(groups.get("func")) and not st.pytest_source
    st.pytest_source = st.pytest_def = ""
    st.in_message = False
    st.noise_run = 0
    if groups.get("exc"):
        st.after_trailer = True  # the end of the failure, unless its chain goes on
    return True


def after_trailer(r: TracebackReader, ln: Line) -> bool:
    """After a long-form failure's trailer: blank lines wait, a chain separator carries the
    record on to the next exception of the chain, anything else ends the failure."""
    st = r.st
    if not st.after_trailer or st.tb is None:
        return False
    if not ln.stripped:
        return True
    st.after_trailer = False
    if is_chain(ln.body):
        return False  # python-chain reads it
    r.end_record(ln)
    ln.again = True
    return True


def long_excerpt(r: TracebackReader, ln: Line) -> bool:
    """Inside a failure of pytest's long form, indented lines are source excerpts (whole
    library functions on old versions, docstrings and all): they neither end the failure nor
    count as exception lines. The ``E`` lines or the next section end it."""
    st = r.st
    if not (
        _inside(r)
        and st.tb is not None
        and st.tb.exc_type is None
        and st.section[:1] == "_"
        and (ln.body[:1] == " " or ln.stripped[:3] == "_ _")
    ):
        return False
    st.expecting_code = False
    return True
