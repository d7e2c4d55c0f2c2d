"""Exception lines and what follows them: ``RuntimeError: message``, the message's further
lines, an exception's repr on a log line (``Task x raised: RuntimeError('...')``), a context
error's message pasted on its own (a bare message), and the noise that ends a record.

This shape comes last: it reads every line no other shape claimed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import ANSI, Lazy
from ctxfix.read.kinds import (
    ANY_EXC,
    EXC,
    EXC_REPR,
    STREAM_PREFIX,
    ends_message,
    is_divider,
    is_elision,
    log_prefix,
    looks_final,
    prefix_pattern,
    unrepr,
)
from ctxfix.read.reader import MAX_MESSAGE_CHARS, MAX_MESSAGE_LINES
from ctxfix.read.shapes.groups import margin_dropped

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

_STRING_PART = Lazy(r"""^[uUbBrR]?(?P<q>['"])(?P<text>.*)(?P=q)\s*(?P<end>\)?)\s*,?\s*$""")


def repr_continued(r: TracebackReader, ln: Line) -> bool:
    """The next string of an exception's repr written over several lines, as Python source
    prints a long message (implicit concatenation of string literals)::

        RuntimeError('This decorator can only be used at local scopes '
                     'when a request context is on the stack.')
    """
    st = r.st
    tb = st.tb
    if not st.open_repr or tb is None:
        return False
    m = _STRING_PART.match(ln.stripped)
    if m is None:
        r.end_record(ln)
        ln.again = True
        return True
    tb.message = (tb.message + unrepr(m.group("text")))[:MAX_MESSAGE_CHARS]
    tb.end_line = ln.lineno
    st.open_repr -= 1
    if m.group("end") or not st.open_repr:
        r.end_record(ln)
    return True


def line(r: TracebackReader, ln: Line) -> bool:
    st = r.st
    stripped = ln.stripped
    exc = EXC.match(stripped) if stripped else None
    if exc and not looks_final(stripped):
        exc = None
    tb = st.tb
    if (
        exc is None
        and tb is not None
        and tb.frames
        and tb.exc_type is None
        and tb.shape == "python"
        and ln.body[:1].isalpha()
    ):
        # Right under a traceback's frames, at column 0, Python prints the exception whatever
        # its class is called (`Unprintable: <exception str() failed>`).
        exc = ANY_EXC.match(stripped)
    bare = repr_m = None
    if not exc and stripped and not (st.tb is not None and st.in_message):
        repr_m = EXC_REPR.search(stripped)
        if repr_m is None and r.bare_messages is not None:
            bare = r.bare_messages.search(stripped)
    if repr_m:
        r.end_record(ln)
        tb = r.start(ln, "repr")
        tb.exc_type = repr_m.group("type")
        text = repr_m.group("msg")
        tb.context = list(tb.context) + [stripped[:MAX_MESSAGE_CHARS]]
        if not repr_m.group(0).endswith(")") and text.endswith(repr_m.group("q")):
            # RuntimeError('first part '  <- the string goes on over the next lines
            tb.message = unrepr(text[:-1])[:MAX_MESSAGE_CHARS]
            st.open_repr = MAX_MESSAGE_LINES
            return True
        tb.message = unrepr(text)[:MAX_MESSAGE_CHARS]
        r.end_record(ln)
    elif bare:
        tb = st.tb
        opened = tb is None or tb.exc_type is not None or bool(tb.message)
        if opened:
            r.end_record(ln)
            tb = r.start(ln, "message")
        assert tb is not None
        tb.message = stripped[bare.start() :]
        tb.end_line = ln.lineno
        _learn_prefix(r, ln)
        st.in_message = True
        st.message_lines = 0
        st.expecting_code = False
        if opened and not r.replaying:
            # An explanation line first may be a traceback printed newest line first.
            r.reversal.begin(ln)
    elif exc:
        _exception(r, ln, exc)
    elif st.tb is not None and st.in_message:
        _message_goes_on(r, ln)
    elif st.tb is not None and (not stripped or is_elision(stripped)):
        st.expecting_code = False
        if not stripped and st.tb.exc_type is not None:
            r.end_record(ln)
    elif st.tb is not None:
        st.noise_run += 1
        st.expecting_code = False
        if st.tb.exc_type is None and st.tb.shape.startswith("pytest") and st.noise_run < 40:
            pass
        elif st.noise_run >= 3 or st.tb.exc_type is not None:
            r.end_record(ln)
    if st.tb is None and stripped and not repr_m and not ln.again:
        # Cleaning took the REPL's prompt for a Markdown quote; as context it tells a typed
        # line from a log line, so it stays.
        r.recent.append((">>> " + stripped) if _typed(ln.raw) else stripped)
    return True


def _typed(raw: str) -> bool:
    """A line typed at Python's prompt (``>>> db.create_all()``)."""
    head = raw[:40]
    if "\x1b" in head:
        head = ANSI.sub("", head)
    return head.lstrip().startswith(">>> ")


def _exception(r: TracebackReader, ln: Line, exc: object) -> None:
    """``RuntimeError: message``: a record's exception, or a new record of its own."""
    st = r.st
    tb = st.tb
    opened = False
    if tb is None or (tb.exc_type is not None and not (tb.shape == "sentry" and not tb.frames)):
        r.end_record(ln)
        tb = r.start(ln)
        opened = True
    tb.exc_type = exc.group("type")  # type: ignore[attr-defined]
    tb.message = exc.group("msg") or ""  # type: ignore[attr-defined]
    tb.end_line = ln.lineno
    _learn_prefix(r, ln)  # also under frames that came without the collector's prefix learnt
    st.in_message = True
    st.message_lines = 0
    st.expecting_code = False
    st.blank_run = 0
    if tb.shape == "python" and not tb.frames:
        tb.shape = "message"
    if opened and not r.replaying and tb.shape == "message":
        r.reversal.begin(ln)


def _learn_prefix(r: TracebackReader, ln: Line) -> None:
    """A message that starts after a log prefix goes on over the lines with the same prefix."""
    if r.st.prefix is None and ln.known_prefix.strip() and STREAM_PREFIX.match(ln.known_prefix):
        r.st.prefix = prefix_pattern(ln.known_prefix)


def _message_goes_on(r: TracebackReader, ln: Line) -> None:
    """A line after an exception line: more of its message, or the start of something else."""
    st = r.st
    tb = st.tb
    assert tb is not None
    stripped = ln.stripped
    if not stripped:
        st.blank_run += 1
        if st.blank_run >= 2:
            r.end_record(ln)
        elif tb.message:
            tb.message += "\n"
    elif (
        is_elision(stripped)
        or is_divider(stripped)
        or st.message_lines >= MAX_MESSAGE_LINES
        or (st.prefix is None and log_prefix(ln.line))
        or (st.prefix is not None and not st.prefix.match(ln.line) and not margin_dropped(r))
        or ends_message(stripped, ln.raw, st.blank_run > 0, st.log_shapes)
    ):
        # The line after a message belongs to what comes next: read it again.
        r.end_record(ln)
        ln.again = True
    else:
        st.blank_run = 0
        tb.message += "\n" + stripped[:MAX_MESSAGE_CHARS]
        tb.end_line = ln.lineno
        st.message_lines += 1
