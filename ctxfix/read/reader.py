"""The reader: a line-at-a-time state machine that hands each line to the paste shapes in order.

It owns what every shape shares: the record being read, the log prefix learnt for it, the lines
just above it (its context), and the records held back to merge with a traceback that follows.
What a line means is decided by the shape handlers of :mod:`ctxfix.read.shapes`, tried in the
order written in :data:`ctxfix.read.shapes.SHAPES`; the first that claims the line reads it.
A log of any size is read in bounded memory.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any, Iterable, Iterator, Optional, Protocol

from ctxfix._literals import literal_runs, top_level_split
from ctxfix._record import Record
from ctxfix.read.clean import Lazy, clean_line
from ctxfix.read.kinds import (
    HEADER,
    IDLE_RX,
    PY_FRAME,
    PY_FRAME_NOQUOTE,
    gist,
    line_shape,
    strip_known_prefix,
)
from ctxfix.read.model import Frame, Traceback

__all__ = ["Line", "TracebackReader", "read_tracebacks"]

MAX_MESSAGE_LINES = 12
MAX_MESSAGE_CHARS = 4000
MAX_FRAMES = 400
_OUTER_FRAMES = 10
"""When a stack is deeper than MAX_FRAMES, the outermost few and the innermost frames stay: the
user's own frame and the failing lookup are at the innermost end."""
MAX_CHAIN = 16
"""Links of a chain of exceptions kept: the first few and the last ones."""
_CONTEXT_LINES = 6
_MERGE_REACH = 3 + MAX_MESSAGE_LINES  # the farthest a one-line report merges with a traceback


class _State(Record):
    """The record being read and what the shapes learnt about it so far."""

    tb: Optional[Traceback] = None
    expecting_code: bool = False
    in_message: bool = False
    message_lines: int = 0
    blank_run: int = 0
    prefix: Optional[re.Pattern] = None
    chained: bool = False
    pytest_source: str = ""
    pytest_def: str = ""
    noise_run: int = 0
    section: str = ""
    section_indent: int = 0
    """How far the section header is indented: the column the section's own lines start at."""
    section_args: tuple[str, ...] = ()
    """pytest's ``name = value`` lines under the section header: the failing function's
    arguments (fixtures), context for the record the section holds."""
    log_shapes: frozenset[str] = frozenset()
    open_repr: int = 0
    """Lines left to read of an exception's repr whose string goes on over the next lines."""
    summary_tail: int = 0
    """Lines left of a short-summary message that goes on over several lines: on CI (``CI`` or
    ``BUILD_NUMBER`` set) and with ``-vv`` pytest prints the whole message, not its first line
    (``_get_line_with_reprcrash_message`` in _pytest/terminal.py: on CI since pytest 7.2,
    with ``-vv`` since 8.2)."""
    group_links: tuple[tuple[Any, ...], ...] = ()
    """The exception groups being read: per group, the column of its sub-exceptions' separators
    and what each sub-exception's record starts with (the group's chain, frames and context)."""
    after_trailer: bool = False
    """pytest's long form printed a failure's `path:N: Error` trailer: the failure ends there
    unless a chain separator comes next (pytest prints each exception of a chain in turn)."""

    def forget_record(self) -> None:
        """Drop what belongs to the record just closed; the pytest section stays."""
        self.tb = None
        self.open_repr = 0
        self.after_trailer = False
        self.expecting_code = self.in_message = self.chained = False
        self.prefix = None
        self.pytest_source = self.pytest_def = ""
        self.noise_run = 0


class Line:
    """One line as the shapes see it: raw, cleaned, without its log prefix, and stripped.

    ``out`` collects the records the line completes; a shape sets ``again`` when the line
    belongs to what comes next and must be read once more after the record it ended.
    """

    __slots__ = (
        "raw",
        "lineno",
        "line",
        "body",
        "stripped",
        "header",
        "known_prefix",
        "out",
        "again",
        "_frame",
    )

    def __init__(self, raw: str, lineno: int, line: str, prefix: Optional[re.Pattern]) -> None:
        self.raw = raw
        self.lineno = lineno
        self.line = line
        body = line
        if prefix is not None:
            m = prefix.match(body)
            if m:
                body = body[m.end() :]
        self.header = HEADER.search(body) if "raceback (" in body else None
        self.known_prefix = ""
        """A log prefix of a known shape this line started with (docker's `web_1  | `...)."""
        if not self.header:
            bare = strip_known_prefix(body)
            self.known_prefix = body[: len(body) - len(bare)]
            body = bare
        self.body = body
        self.stripped = body.strip()
        self.out: list[Traceback] = []
        self.again = False
        self._frame: Optional[re.Match] = None

    def frame(self) -> Optional[re.Match]:
        """The line as a plain Python frame line (``File "x.py", line 3, in f``), if it is one."""
        if self._frame is None and not self.header and "File " in self.body:
            self._frame = PY_FRAME.search(self.body) or PY_FRAME_NOQUOTE.match(self.body)
        return self._frame


class _Match(Protocol):
    def start(self) -> int: ...


class _Searcher(Protocol):
    """What ``bare_messages`` must offer: a compiled regex, or anything with the same search."""

    def search(self, text: str) -> Optional[_Match]: ...


class TracebackReader:
    """Push-style reader: feed it lines, get back the records each line completes.

    ``bare_messages`` matches error messages that people paste without the exception's type
    name; the caller decides which messages those are. ``hints`` are lower-case texts at least
    one of which every such message contains, as it is printed (so leave out a first letter that
    may be upper case): lines holding none of them are not tried against ``bare_messages``, and
    big logs are skimmed for them. Without ``hints``, they are worked out from the pattern.

    Lines that cannot start a record cost little: while no record is open, a line holding none
    of :attr:`anchors` is skipped. A caller streaming a big file can go further and not feed such
    lines at all (see :meth:`skip`): :mod:`ctxfix.read.stream` does that for big logs.
    """

    def __init__(
        self, bare_messages: Optional[_Searcher] = None, hints: Optional[Iterable[str]] = None
    ) -> None:
        from ctxfix.read.shapes import SHAPES
        from ctxfix.read.shapes.reversed import Reversal

        self.bare_messages = bare_messages
        self.st = _State()
        self.recent: deque[str] = deque(maxlen=_CONTEXT_LINES)
        self.pending: Optional[Traceback] = None
        self.lineno = 0
        self._hints = (
            tuple(h.lower() for h in hints) if hints is not None else _message_hints(bare_messages)
        )
        self._hint_rx = (
            Lazy("|".join(map(re.escape, self._hints))) if self._hints else None
        )  # one search instead of a loop over the hints
        self.history: deque[str] = deque(maxlen=2)
        self._handlers = tuple((shape.read, shape.name) for shape in SHAPES)
        self.reversal = Reversal(self)
        self.replaying = False
        self._seen_gists: set[str] = set()
        self.last_framed: Optional[tuple[int, str]] = None
        self.trace: Optional[list[tuple[int, str]]] = None
        """Set to a list to record which shape read each line (for tests and debugging)."""

    # -- the streaming interface -----------------------------------------------------------

    @property
    def anchors(self) -> tuple[str, ...]:
        """Text a line must hold to be worth feeding while no record is open (for skimming).

        A traceback is found by its header ("Traceback (most recent call last)"), and an error
        printed without one by the hints of ``bare_messages``, which its message holds. Lines
        before an anchor are fed too, for context. Frames alone, pytest output without a header,
        and header-less errors whose message is not a bare message are found only when fed.
        Without hints, exception names stand in for them.
        """
        if self._hints:
            return ("raceback", *self._hints)
        return ("raceback", "Error", "Exception")

    @property
    def idle(self) -> bool:
        """True when no record is open: the next lines may be skipped if they hold no anchor."""
        return self.st.tb is None and not self.reversal.holding

    @property
    def at_rest(self) -> bool:
        """Idle, and nothing read so far can change a record still to come.

        Holds when no record is open or held back to merge with one that may come (see
        :meth:`release`), and no pytest section is in force. (Message gists remembered for
        pytest's summary lines are the one exception: see :meth:`seen_before`.) A reader at rest
        and a new one, told the line number, read what follows alike, after a stretch of lines
        with no anchor: that is what lets :mod:`ctxfix.read.parallel` read the second half of a log
        in another process.
        """
        return self.idle and not self.st.section and not self._holds_mergeable()

    def _holds_mergeable(self) -> bool:
        # A held-back one-line report merges only with a traceback a few lines away (_merge).
        pending = self.pending
        return pending is not None and self.lineno - pending.end_line <= _MERGE_REACH

    def release(self) -> list[Traceback]:
        """Hand out a held-back one-line report that nothing still to come can merge with.

        One reader emits it when the next record completes; a caller that stops reading here
        (:mod:`ctxfix.read.parallel` at its cut) takes it now, in the same place in the order.
        """
        if self.pending is None or self._holds_mergeable():
            return []
        tb, self.pending = self.pending, None
        return [] if _repeats_last(self, tb) else [tb]

    def seen_before(self, message: str) -> bool:
        """Whether a record with this message was read already (pytest's summary repeats it)."""
        g = gist(message)
        return any(s.startswith(g) for s in self._seen_gists)

    def skip(self, count: int) -> None:
        """Count ``count`` lines the caller did not feed because they hold no anchor.

        Skipped lines cut the context: the lines read before them, and the pytest section
        header among them, are no longer "just above" whatever comes next.
        """
        if count > 0:
            self.lineno += count
            self.history.clear()
            self.recent.clear()
            self.st.section = ""
            self.st.section_args = ()

    def feed(self, raw: str) -> list[Traceback]:
        """Read one line; return the records it completes (usually none)."""
        self.lineno += 1
        if self.reversal.holding:
            return self.reversal.feed(raw, self.lineno)
        return self.step(raw, self.lineno)

    def close(self) -> list[Traceback]:
        """Finish the record in progress and return what is left."""
        out: list[Traceback] = []
        if self.reversal.holding:
            out.extend(self.reversal.close())
        done = self.finish()
        if done is not None:
            out.extend(self.merged([done]))
        if self.pending is not None:
            if not _repeats_last(self, self.pending):
                out.append(self.pending)
            self.pending = None
        return out

    # -- records: what the shapes call -------------------------------------------------------

    def finish(self) -> Optional[Traceback]:
        """Close the record being read and return it (None when it holds nothing)."""
        st = self.st
        tb = st.tb
        st.forget_record()
        if tb is None:
            return None
        tb.message = tb.message.strip("\n")
        if tb.end_line < tb.start_line:
            tb.start_line, tb.end_line = tb.end_line, tb.start_line
        if tb.exc_type is None and not tb.message and not tb.frames and tb.chain:
            # "During handling of the above exception..." and then the paste ends: the last
            # whole link is what is left of the error.
            tb.exc_type, tb.message, tb.frames = tb.chain.pop()
        if tb.exc_type is None and not tb.message:
            if not tb.frames:
                return None
            tb.truncated = True
        if len(self._seen_gists) < 2000:
            self._seen_gists.add(gist(tb.message))
        return tb

    def end_record(self, ln: Line) -> None:
        """Close the record being read, if any, into the records ``ln`` completes."""
        if self.st.tb is not None:
            done = self.finish()
            if done is not None:
                ln.out.append(done)

    def start(self, ln: Line, shape: str = "python") -> Traceback:
        """Open a new record at ``ln``, with the lines just above it as its context."""
        return self.start_at(ln.lineno, shape)

    def start_at(self, lineno: int, shape: str = "python") -> Traceback:
        tb = Traceback(start_line=lineno, end_line=lineno, shape=shape)
        tb.context = [c for c in self.recent if c.strip()]
        self.st.log_shapes = frozenset(filter(None, map(line_shape, tb.context)))
        if self.st.section and self.st.section not in tb.context:
            tb.context[:0] = [self.st.section, *self.st.section_args]
        tb.reversed = self.replaying
        self.st.tb = tb
        self.st.blank_run = 0
        return tb

    def add_frame(self, tb: Traceback, frame: Frame) -> None:
        if len(tb.frames) >= MAX_FRAMES:
            del tb.frames[_OUTER_FRAMES]  # keep the outermost few and the newest
        tb.frames.append(frame)

    def merged(self, done: list[Traceback]) -> list[Traceback]:
        out: list[Traceback] = []
        for tb in done:
            out.extend(_merge(self, tb))
        return out

    # -- one line ---------------------------------------------------------------------------

    def _quiet(self, line: str, raw: str) -> bool:
        """A line that cannot start a record (no anchor, no bare-message hint, no prompt)."""
        return (
            not IDLE_RX.search(line)
            and ">" not in raw[:8]
            and not (
                self.bare_messages is not None
                and (self._hint_rx is None or self._hint_rx.search(line.lower()))
            )
        )

    def step(self, raw: str, lineno: int) -> list[Traceback]:
        """Read one line (also used to read held-back lines again)."""
        st = self.st
        line = clean_line(raw)
        if st.tb is None and self._quiet(line, raw):
            # The cheap path: an ordinary log line while no record is open.
            self.history.append(line)
            stripped = line.strip()
            if stripped:
                stripped = strip_known_prefix(stripped).strip()
                if stripped:
                    self.recent.append(stripped)
            return []
        ln = Line(raw, lineno, line, st.prefix)
        for read, name in self._handlers:
            if read(self, ln):
                if self.trace is not None:
                    self.trace.append((lineno, name))
                break
        out = self.merged(ln.out)
        if ln.again and st.tb is None:
            # The line belongs to what comes next: read it again, now that its record ended.
            out.extend(self.step(raw, lineno))
        else:
            self.history.append(line)
        return out


def _message_hints(pattern: Optional[_Searcher]) -> tuple[str, ...]:
    """Lower-case words such that any text ``pattern`` matches contains one of them.

    Used to pass over lines cheaply: a line with none of them cannot match. Words are taken from
    the literal text at the top level of each alternative (optional groups are skipped) and
    without their first letter, so a capitalised first word still matches. Returns () when some
    alternative has no usable word: then every line must be tried.
    """
    source = getattr(pattern, "pattern", None)
    if not isinstance(source, str):
        return ()
    branches: list[set[str]] = []
    for branch in top_level_split(source):
        words = set()
        for run in literal_runs(branch):
            for w in re.findall(r"[a-z_']{5,}", run.lower()):
                words.add(w[1:])
        if not words:
            return ()
        branches.append(words)
    hints: list[str] = []
    while branches:
        counts: dict[str, int] = {}
        for words in branches:
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        best = max(counts, key=lambda w: (counts[w], len(w), w))
        hints.append(best)
        branches = [b for b in branches if not any(best in w for w in b)]
    return tuple(hints)


def read_tracebacks(
    lines: Iterable[str], bare_messages: Optional[_Searcher] = None
) -> Iterator[Traceback]:
    """Yield every exception found in ``lines``, in the order it appears.

    ``lines`` may be any iterable of text lines (a file object streams). Each record carries the
    1-based line numbers where it starts and ends.
    """
    reader = TracebackReader(bare_messages)
    for raw in lines:
        yield from reader.feed(raw)
    yield from reader.close()


# -- one occurrence, printed twice ------------------------------------------------------------


def _merge(reader: TracebackReader, tb: Traceback) -> list[Traceback]:
    """Fold a one-line report of an error into the traceback printed right after it.

    Worker logs (Celery, RQ, APScheduler, logging.exception) print the exception's repr or message
    on a log line and then the traceback: that is one occurrence, not two. Sentry-style reports
    print the message first and the frames after it, with no header: also one record.
    """
    out: list[Traceback] = []
    pending = reader.pending
    reader.pending = None
    if pending is not None:
        above = pending.end_line <= tb.start_line
        gap = tb.start_line - pending.end_line if above else pending.start_line - tb.end_line
        # A reversed paste puts the message's explanation lines between the two.
        near = 3 + (MAX_MESSAGE_LINES if tb.reversed else 0)
        if not pending.frames and tb.frames and 0 <= gap <= near and _same_error(pending, tb):
            tb.context = pending.context + [c for c in tb.context if c not in pending.context]
            tb.start_line = min(tb.start_line, pending.start_line)
            tb.end_line = max(tb.end_line, pending.end_line)
            if tb.exc_type is None and not tb.message:
                tb.exc_type, tb.message, tb.truncated = pending.exc_type, pending.message, False
                if tb.shape == "python" and _newest_first(tb.frames):
                    tb.frames.reverse()
        elif not _repeats_last(reader, pending):
            out.append(pending)
    if not tb.frames and tb.shape in ("repr", "message"):
        reader.pending = tb
    else:
        out.append(tb)
        if tb.frames:
            reader.last_framed = (tb.end_line, gist(tb.message))
    return out


def _repeats_last(reader: TracebackReader, tb: Traceback) -> bool:
    """A one-line report of the traceback that ended just above it: the same occurrence.

    Workers and scripts often print the error once more after its traceback (a task's FAILURE
    state with the exception's repr, a final `error: ...` line).
    """
    last = reader.last_framed
    return (
        last is not None
        and 0 <= tb.start_line - last[0] <= 3
        and bool(tb.message)
        and gist(tb.message) == last[1]
    )


def _newest_first(frames: list[Frame]) -> bool:
    """Frames listed innermost first, as some error trackers show them."""
    if len(frames) < 2:
        return False
    first, last = frames[0], frames[-1]
    if last.function == "<module>" and first.function != "<module>":
        return True
    return first.code.startswith("raise ") and not last.code.startswith("raise ")


def _same_error(a: Traceback, b: Traceback) -> bool:
    if b.exc_type is None and not b.message:
        return True
    return gist(a.message) == gist(b.message)
