"""Read the text explain works on: files or stdin, as lines, in bounded memory.

Bytes are decoded as UTF-8 with replacement, so a log with a stray Latin-1 byte is still read.
UTF-16 and UTF-32 with a byte order mark (what PowerShell's ``>`` writes) are decoded by it. NUL
bytes are dropped: a log truncated in place while its writer went on (logrotate's
``copytruncate``) starts with a hole of them. Lines longer than :data:`MAX_LINE_BYTES` are cut;
the rest of such a line is skipped, never held.

Big inputs are skimmed: past the first :data:`SKIM_AFTER` bytes, while the reader has no record
open, the bytes are searched for the reader's anchors and the lines between are only counted.
An ordinary log line then costs a share of one scan instead of a Python call. The scan is native
(:mod:`ctxfix.read._native`: all anchors and the newlines in one pass) when the library was built,
and a few ``bytes.find`` calls and a ``bytes.count`` otherwise; both give the same answers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator, Optional, TypeVar

if TYPE_CHECKING:
    from ctxfix.read import TracebackReader
    from ctxfix.read._native import Scan as _Scan

__all__ = [
    "InputError",
    "decoded_by_bom",
    "MAX_LINE_BYTES",
    "SKIM_AFTER",
    "feed_stream",
    "iter_lines",
    "open_source",
    "source_size",
]

MAX_LINE_BYTES = 64 * 1024
SKIM_AFTER = 1024 * 1024
"""Inputs are read line by line up to this size; beyond it, lines with no anchor are skimmed."""

_CHUNK = 1024 * 1024  # 64 KB to 2 MB measured with the native scan: 512 KB to 1 MB read fastest
_HOLE = b"\x00" * 16
_HOLE_LIMIT = 64 * 1024 * 1024  # NULs skipped at the start of a pipe before it counts as binary
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_UTF8_BOM = b"\xef\xbb\xbf"
_FOLD_AT = 256
_CONTEXT = 6  # lines fed before an anchor, so a record keeps the log lines that led to it

T = TypeVar("T")


class InputError(Exception):
    """The input cannot be read as text; the message is one line for the user."""


def open_source(name: str) -> BinaryIO:
    """Open a FILE argument (``-`` is stdin) for reading bytes, with a one-line error if not."""
    if name == "-":
        import sys

        if sys.stdin.isatty():
            return _typed(sys.stdin.fileno())
        return sys.stdin.buffer
    if os.path.isdir(name):
        raise InputError(f"{name} is a folder, not a file: give the traceback or log file inside")
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({exc.strerror or exc})") from None


def _typed(fd: int) -> BinaryIO:
    """What is pasted into a terminal, up to the first end of input.

    A terminal ends input with one empty read (Ctrl-D on an empty line; Ctrl-Z Enter on
    Windows). A buffered reader asked for more than that would read again and wait for a
    second Ctrl-D, so the terminal is read here directly and the first empty read ends it.
    """
    import io

    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return io.BytesIO(b"".join(chunks))
        chunks.append(chunk)


def source_size(stream: BinaryIO) -> Optional[int]:
    """The size in bytes of a regular file behind ``stream``; None for pipes and terminals."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        return None
    import stat

    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _looks_binary(chunk: bytes) -> bool:
    if not chunk:
        return False
    sample = b"".join(chunk[:8192].split(_HOLE))  # a run of NULs is a hole, not binary data
    if b"\x00" in sample and sample.count(b"\x00") > len(sample) // 100:
        return True
    text = sample.decode("utf-8", errors="replace")
    odd = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f\x1b"))
    return odd > len(text) * 0.3


def _regions(
    stream: BinaryIO, name: str, sniff: bool = True
) -> Iterator[tuple[bytearray, int, int]]:
    """Yield (buffer, size, bytes read so far): ``buffer[:size]`` holds whole lines.

    Every line in ``buffer[:size]`` ends in a newline. The buffer is reused, so it is valid only
    until the next item is asked for, and reading a big file allocates nothing per chunk. A line
    longer than MAX_LINE_BYTES is cut there and the rest of it is dropped as it streams. Raises
    InputError when the first chunk is clearly binary data.
    """
    buf = bytearray(_CHUNK + MAX_LINE_BYTES + 1)
    view = memoryview(buf)
    carry = 0  # bytes of an unfinished line kept at the start of buf
    skipping = False
    total = 0
    started: Optional[int] = None  # bytes _start left at the start of buf
    if sniff:
        stream, started, total = _start(stream, buf, name)
    while True:
        if started is not None:
            n, started = started, None
        else:
            n = _read(stream, view[carry : carry + _CHUNK], name)
            total += n
        if not n:
            if carry and not skipping:
                buf[carry] = 10  # a newline ends the last line
                yield buf, carry + 1, total
            return
        if buf.find(0, carry, carry + n) >= 0:
            n = _drop_nuls(buf, carry, carry + n)
        size = carry + n
        if skipping:
            nl = buf.find(b"\n", carry, size)
            if nl < 0:
                continue
            skipping = False
            # Drop what was read of the long line; keep what follows it.
            rest = size - nl - 1
            buf[carry : carry + rest] = view[nl + 1 : size]
            size = carry + rest
        end = buf.rfind(b"\n", 0, size)
        if end < 0:
            carry = size
        else:
            yield buf, end + 1, total
            carry = size - end - 1
            buf[:carry] = view[end + 1 : size]
        if carry > MAX_LINE_BYTES:
            buf[MAX_LINE_BYTES] = 10
            yield buf, MAX_LINE_BYTES + 1, total
            carry = 0
            skipping = True


def _read(stream: BinaryIO, view: memoryview, name: str) -> int:
    try:
        return stream.readinto(view) or 0  # type: ignore[attr-defined]
    except OSError as exc:
        raise InputError(f"{name}: read error ({exc.strerror or exc})") from None


def _start(stream: BinaryIO, buf: bytearray, name: str) -> tuple[BinaryIO, int, int]:
    """Read the start of an input into ``buf``: (the stream to read on, bytes in buf, bytes
    read). A BOM decides the encoding (UTF-16 and UTF-32 are read on as UTF-8, through
    :class:`_Recoded`); leading NUL bytes are skipped however many there are; then an input that
    is clearly binary data is refused with InputError."""
    view = memoryview(buf)
    n = total = 0
    while n < 4:  # enough for any BOM
        got = _read(stream, view[n:_CHUNK], name)
        if not got:
            break
        n += got
    total = n
    head = bytes(view[:4])
    codec = next((c for bom, c in _BOMS if head.startswith(bom)), None)
    if codec is not None:
        skip = 4 if codec.startswith("utf-32") else 2
        stream = _Recoded(stream, codec, bytes(view[skip:n]))  # type: ignore[assignment]
        n = _read(stream, view[:_CHUNK], name)
    elif head.startswith(_UTF8_BOM):
        buf[: n - 3] = view[3:n]
        n -= 3
    # A hole of NULs, perhaps gigabytes long in a file; from a pipe or a device (/dev/zero)
    # that many NULs are not a log.
    endless = source_size(stream) is None
    while n and buf.count(0, 0, n) == n:
        if endless and total > _HOLE_LIMIT:
            raise InputError(f"{name} looks like binary data, not text: give a traceback or log")
        n = _read(stream, view[:_CHUNK], name)
        total += n
    if n and buf[0] == 0:
        rest = bytes(view[:n]).lstrip(b"\x00")
        buf[: len(rest)] = rest
        n = len(rest)
    if _looks_binary(bytes(view[:n])):
        raise InputError(f"{name} looks like binary data, not text: give a traceback or log")
    return stream, n, total


def _drop_nuls(buf: bytearray, start: int, end: int) -> int:
    """Remove the NUL bytes of ``buf[start:end]`` in place; returns how many bytes are left."""
    if buf.find(0, start, end) < 0:
        return end - start
    kept = bytes(buf[start:end]).replace(b"\x00", b"")
    buf[start : start + len(kept)] = kept
    return len(kept)


class _Recoded:
    """A UTF-16 or UTF-32 byte stream, read as UTF-8 (what cannot be decoded becomes U+FFFD)."""

    def __init__(self, raw: BinaryIO, codec: str, head: bytes) -> None:
        import codecs

        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self.out = self.decoder.decode(head).encode("utf-8")
        self.chunk = bytearray(_CHUNK // 2)
        self.eof = False

    def readinto(self, view: memoryview) -> int:
        while not self.out and not self.eof:
            n = self.raw.readinto(self.chunk) or 0  # type: ignore[attr-defined]
            if n:
                self.out = self.decoder.decode(bytes(self.chunk[:n])).encode("utf-8")
            else:
                self.out = self.decoder.decode(b"", final=True).encode("utf-8")
                self.eof = True
        k = min(len(view), len(self.out))
        view[:k] = self.out[:k]
        self.out = self.out[k:]
        return k

    def fileno(self) -> int:
        return self.raw.fileno()


def decoded_by_bom(head: bytes) -> bool:
    """Whether an input starting with ``head`` (4 bytes) is UTF-16 or UTF-32 with a BOM: such
    an input is read through a decoder, from its start."""
    return any(head.startswith(bom) for bom, _ in _BOMS)


def _lines(region: bytearray, start: int, stop: int) -> Iterator[str]:
    """Decoded lines of region[start:stop], whole lines each ending in a newline.

    A lone CR also ends a line, and the CR of a CRLF is dropped.
    """
    while start < stop:
        nl = region.find(b"\n", start, stop)
        raw = region[start : min(nl, start + MAX_LINE_BYTES)]
        start = nl + 1
        text = raw.decode("utf-8", errors="replace")
        if "\r" in text:
            text = text.rstrip("\r")
            if "\r" in text:
                yield from text.split("\r")
                continue
        yield text


def iter_lines(stream: BinaryIO, name: str = "input") -> Iterator[str]:
    """Yield decoded lines (without line endings) from a byte stream, chunk by chunk.

    Raises InputError when the first chunk is clearly binary data.
    """
    for region, size, _ in _regions(stream, name):
        yield from _lines(region, 0, size)


def feed_stream(
    stream: BinaryIO,
    feed: Callable[[str], list[T]],
    reader: TracebackReader,
    name: str = "input",
    progress: Optional[Callable[[int], None]] = None,
    fold: Optional[Callable[[list[T]], list[T]]] = None,
    skim_after: int = SKIM_AFTER,
    sniff: bool = True,
) -> tuple[list[T], bool]:
    """Pass every line of ``stream`` to ``feed`` (which drives ``reader``); skim big inputs.

    Returns what ``feed`` returned, concatenated, and whether the input held any text at all.
    ``progress`` is called with the number of bytes read so far, once per chunk. ``fold``, when
    given, merges the results whenever many have piled up (grouping keeps memory bounded).
    Skimming starts with the chunk that brings the bytes read to ``skim_after`` (0: at once).
    ``sniff=False`` leaves out the check that the first chunk is text (for a stream that starts
    in the middle of an input whose start was checked).
    """
    out: list[T] = []
    saw_text = False
    anchors = tuple(a.encode() for a in reader.anchors)
    finders: list[_Finder] = []
    native: Optional[_Scan] = None
    started = False  # the scanner is chosen on the first region skimmed
    tail: list[bytes] = []  # lines held back at a chunk's end, fed if an anchor follows closely
    for region, size, total in _regions(stream, name, sniff):
        if not saw_text and region[:size].strip():
            saw_text = True
        if total < skim_after or not anchors:
            for line in _lines(region, 0, size):
                out.extend(feed(line))
        else:
            if not started:
                started = True
                from ctxfix.read import _native

                native = _native.scanner(region, anchors)
                if native is None:  # the finders sample a region: costly, and only for Python
                    finders = [_Finder(a, bytes(region[:size])) for a in anchors]
            scan = native or _pure_scan(region, finders)
            tail = _skim(region, size, feed, reader, scan, out, tail)
        if progress is not None:
            progress(total)
        if fold is not None and len(out) > _FOLD_AT:
            out = fold(out)
    reader.skip(len(tail))  # no anchor came after them
    return out, saw_text


class _Finder:
    """Finds one anchor fast: memchr for its rarest byte, then a check of the bytes around it.

    ``bytes.find`` on a word runs at about a byte a cycle; searching for a single byte uses
    memchr, many times faster, and most log lines do not hold an anchor's rarest letter. When
    that letter is common in the sample after all, plain ``find`` is used.
    """

    def __init__(self, anchor: bytes, sample: bytes) -> None:
        self.anchor = anchor
        counts = {sample.count(anchor[i : i + 1]): i for i in range(len(anchor))}
        rarest = min(counts)
        self.offset = counts[rarest]
        self.byte = anchor[self.offset : self.offset + 1]
        self.plain = rarest * 2000 > max(len(sample), 1)

    def find(self, region: bytearray, pos: int, end: int) -> int:
        if self.plain:
            return region.find(self.anchor, pos, end)
        anchor, byte, off = self.anchor, self.byte, self.offset
        i = region.find(byte, pos + off, end)
        while i >= 0:
            if region.startswith(anchor, i - off, end):
                return i - off
            i = region.find(byte, i + 1, end)
        return -1


def _pure_scan(region: bytearray, finders: list[_Finder]) -> _Scan:
    """``scan(pos, end) -> (hit, lines)`` in Python, as :func:`~ctxfix.read._native.scanner` does.

    ``hit`` is where the first anchor at or after ``pos`` starts (-1 for none), ``lines`` the
    newlines from ``pos`` up to it (or up to ``end``). Each anchor's next place is remembered, so
    ``end`` must stay the same for one scan (one region).
    """
    nxt: list[Optional[int]] = [None] * len(finders)

    def scan(pos: int, end: int) -> tuple[int, int]:
        hit = end
        for i, f in enumerate(finders):
            at = nxt[i]
            if at is None or 0 <= at < pos:
                at = nxt[i] = f.find(region, pos, end)
            if 0 <= at < hit:
                hit = at
        if hit >= end:
            return -1, region.count(b"\n", pos, end)
        return hit, region.count(b"\n", pos, hit)

    return scan


def _skim(
    region: bytearray,
    size: int,
    feed: Callable[[str], list[T]],
    reader: TracebackReader,
    scan: _Scan,
    out: list[T],
    tail: list[bytes],
) -> list[bytes]:
    """Feed the lines of ``region[:size]`` that matter; only count the rest.

    A line is fed when the reader has a record open, when it holds an anchor, or when it is one
    of the :data:`_CONTEXT` lines before an anchor's line. ``tail`` holds the last lines of the
    previous region, not yet fed nor counted, in case an anchor follows closely; the lines kept
    back from this region that way are returned. So which lines are fed does not depend on
    where the chunks end.
    """
    pos = 0
    while pos < size:
        if not reader.idle:
            if tail:  # not reached while tail lines wait: they were not fed, so still idle
                out.extend(_feed_lines(b"".join(tail), feed))
                tail = []
            nl = region.find(b"\n", pos, size) + 1
            for line in _lines(region, pos, nl):
                out.extend(feed(line))
            pos = nl
            continue
        hit, lines = scan(pos, size)
        stop = size if hit < 0 else hit
        # Back up to the start of the anchor's line, and a few lines more for context.
        line_start = region.rfind(b"\n", pos, hit) + 1 if hit >= 0 else size
        ctx = line_start
        for _ in range(_CONTEXT):
            if ctx <= pos:
                break
            ctx = region.rfind(b"\n", pos, ctx - 1) + 1
        ctx = max(ctx, pos)
        near = region.count(b"\n", ctx, line_start)
        # Context still wanted from the previous region (only when ctx reached pos).
        keep = tail[max(len(tail) - (_CONTEXT - near), 0) :] if near < _CONTEXT else []
        reader.skip(len(tail) - len(keep) + lines - region.count(b"\n", ctx, stop))
        if hit < 0:
            return keep + _raw_lines(region, ctx, size)
        if keep:
            out.extend(_feed_lines(b"".join(keep), feed))
        tail = []
        nl = region.find(b"\n", hit, size) + 1
        for line in _lines(region, ctx, nl):
            out.extend(feed(line))
        pos = nl
    return tail


def _raw_lines(region: bytearray, start: int, stop: int) -> list[bytes]:
    """The lines of region[start:stop] as bytes, each with its newline."""
    found = []
    while start < stop:
        nl = region.find(b"\n", start, stop) + 1
        found.append(bytes(region[start:nl]))
        start = nl
    return found


def _feed_lines(raw: bytes, feed: Callable[[str], list[T]]) -> list[T]:
    got: list[T] = []
    for line in _lines(bytearray(raw), 0, len(raw)):
        got.extend(feed(line))
    return got
