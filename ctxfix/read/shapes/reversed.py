"""Tracebacks printed newest line first, as some log viewers show them.

A reversed traceback starts with the exception line and ends with "Traceback (most recent call
last):". After an exception line that opens a record, the reader holds the next lines back until
it can tell: a header after frames (and not followed by frames of its own) means the block was
reversed, and it is read again the right way round; anything else is read in order as it came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ctxfix.read.clean import clean_line
from ctxfix.read.kinds import (
    EXC,
    HEADER,
    PY_FRAME,
    PY_FRAME_NOQUOTE,
    is_meta_line,
    strip_known_prefix,
)
from ctxfix.read.model import Traceback
from ctxfix.read.reader import MAX_FRAMES

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

_LOOKAHEAD_LIMIT = 2 * MAX_FRAMES + 40
_LOOKAHEAD_OTHER = 7


def _is_frame(line: str) -> bool:
    return bool(PY_FRAME.search(line) or PY_FRAME_NOQUOTE.match(line))


class Reversal:
    """Holds lines back after an exception line that opened a record, to see if they run
    backwards."""

    def __init__(self, reader: TracebackReader) -> None:
        self.reader = reader
        self.look: Optional[list[tuple[int, str]]] = None
        self.frames = 0
        self.other = 0
        self.header = -1
        self.first: tuple[int, str] = (0, "")

    @property
    def holding(self) -> bool:
        return self.look is not None

    def begin(self, ln: Line) -> None:
        """Start holding lines back after ``ln``, an exception line with nothing above it."""
        self.look = []
        self.first = (ln.lineno, ln.raw)

    def feed(self, raw: str, lineno: int) -> list[Traceback]:
        look = self.look
        assert look is not None
        line = clean_line(raw)
        if self.header >= 0:
            # The line after the header decides: frames mean a new traceback starts there.
            if _is_frame(line):
                look.append((lineno, raw))
                return self._in_order()
            return self._backwards((lineno, raw))
        look.append((lineno, raw))
        if HEADER.search(line):
            if self.frames and _reads_reversed(look):
                self.header = len(look) - 1
                return []
            return self._in_order()
        if _is_frame(line):
            self.frames += 1
            self.other = 0
        elif line.strip() and not is_meta_line(line):
            self.other += 1
        if self.other > _LOOKAHEAD_OTHER or len(look) > _LOOKAHEAD_LIMIT:
            return self._in_order()
        return []

    def close(self) -> list[Traceback]:
        """The input ended while holding lines back."""
        if self.header >= 0:
            return self._backwards(None)
        return self._in_order()

    def _stop(self) -> list[tuple[int, str]]:
        look = self.look or []
        self.look = None
        self.frames = self.other = 0
        self.header = -1
        return look

    def _in_order(self) -> list[Traceback]:
        out: list[Traceback] = []
        for lineno, raw in self._stop():
            if self.look is not None:
                # An exception line in the replay opened a new lookahead: it reads on from here.
                out.extend(self.feed(raw, lineno))
            else:
                out.extend(self.reader.step(raw, lineno))
        return out

    def _backwards(self, after: Optional[tuple[int, str]]) -> list[Traceback]:
        """Read the held block backwards; ``after`` is the line that followed the header."""
        r = self.reader
        look = self._stop()
        first = self.first
        # Drop the record the exception line opened; it is read again at the end.
        st = r.st
        st.tb = None
        st.expecting_code = st.in_message = st.chained = False
        st.prefix = None
        st.noise_run = 0
        out: list[Traceback] = []
        r.replaying = True
        lead = []
        if after is not None:
            after_line = clean_line(after[1]).strip()
            if after_line and not EXC.match(strip_known_prefix(after_line)):
                lead = [after]
        try:
            for lineno, raw in [*lead, *reversed(look), first]:
                out.extend(r.step(raw, lineno))
            done = r.finish()
            if done is not None:
                out.extend(r.merged([done]))
        finally:
            r.replaying = False
        if after is not None and not lead:
            out.extend(r.step(after[1], after[0]))
        return out


def _reads_reversed(look: list[tuple[int, str]]) -> bool:
    """Frames before a header: reversed when code sits above its frame line."""
    kinds = []
    for _, raw in look:
        line = clean_line(raw)
        if not line.strip() or is_meta_line(line):
            continue
        if HEADER.search(line):
            kinds.append("H")
        elif _is_frame(line):
            kinds.append("F")
        else:
            kinds.append("C")
    first_f = kinds.index("F")
    code_above_first = first_f > 0
    frame_above_header = len(kinds) >= 2 and kinds[-2] == "F"
    return code_above_first or frame_above_header
