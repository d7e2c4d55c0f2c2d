"""Read a big log file as two halves at once, one per CPU core.

Reading a log is a single pass over its lines, so a second core can take the second half. The
file is cut at a line start ``S`` past the middle where no anchor of the reader (see
:attr:`ctxfix.read.TracebackReader.anchors`) lies within :data:`QUIET_LINES` lines after
it. A forked child reads ``[S, end)`` with its own copy of the explainer, still fresh, and
sends back what it found; the parent reads ``[0, S)`` meanwhile.

The result is the one a single pass gives. After a stretch of lines with no anchor, a reader
at rest (:attr:`~ctxfix.read.TracebackReader.at_rest`: no record open or held, no pytest
section) reads what follows as a new reader does; the parent checks that it is at rest at ``S``
and, when it is not (a record runs across the cut), reads on past ``S`` itself and drops the
child's work. The child's line numbers are shifted by the number of lines before ``S``, and its
pytest summary lines are kept only if the parent did not read their error already.

Two halves are read only for regular files of at least :data:`PARALLEL_FROM` bytes that are not
UTF-16 or UTF-32 (those are decoded from their start), on a platform with ``os.fork``, with two or
more usable CPUs, and with no other thread running (a fork would copy a thread's locks, not the
thread). ``CTXFIX_JOBS=1`` in the environment turns it off. Anything that goes wrong in the child
makes the parent read the second half itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Optional, Protocol

from ctxfix.read.stream import decoded_by_bom, feed_stream, source_size

if TYPE_CHECKING:
    from ctxfix.read import TracebackReader

__all__ = ["PARALLEL_FROM", "QUIET_LINES", "feed_file"]

PARALLEL_FROM = 64 * 1024 * 1024
"""Smaller files are read in one pass: a fork and a hand-over cost more than they save."""

QUIET_LINES = 8
"""Lines after the cut that hold no anchor: more than the context lines fed before one."""

_SEARCH = 4 * 1024 * 1024  # how far past the middle a cut is looked for
_TO_THE_END = 1 << 62  # the second half runs to wherever the file ends (a live log grows)


class Explaining(Protocol):
    """What :func:`feed_file` drives: :class:`ctxfix.engine.Explainer` is one."""

    reader: TracebackReader

    def feed(self, line: str) -> list[Any]: ...

    def close(self) -> list[Any]: ...

    def release(self) -> list[Any]: ...

    def hand_over(self, found: list[Any]) -> dict: ...

    def take_over(self, part: dict, line_offset: int) -> list[Any]: ...

    held: Optional[list[Any]]


class _Slice:
    """Bytes ``[start, stop)`` of a file descriptor, read with pread (no shared file offset)."""

    def __init__(self, fd: int, start: int, stop: int) -> None:
        self.fd, self.pos, self.stop = fd, start, stop

    def readinto(self, view: memoryview) -> int:
        want = min(len(view), self.stop - self.pos)
        if want <= 0:
            return 0
        data = os.pread(self.fd, want, self.pos)
        n = len(data)
        view[:n] = data
        self.pos += n
        return n

    def fileno(self) -> int:
        return self.fd


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _worthwhile(size: Optional[int]) -> bool:
    if size is None or size < PARALLEL_FROM or not hasattr(os, "fork"):
        return False
    if os.environ.get("CTXFIX_JOBS", "").strip() == "1" or _usable_cpus() < 2:
        return False
    return not _other_threads()


def _other_threads() -> bool:
    import threading

    return threading.active_count() > 1


def find_cut(fd: int, size: int, anchors: tuple[bytes, ...]) -> Optional[int]:
    """A line start past the middle of the file with no anchor in the QUIET_LINES after it.

    None when no such place lies within a few MB of the middle (a log dense with tracebacks).
    """
    mid = size // 2
    window = os.pread(fd, min(_SEARCH, size - mid), mid)
    nl = window.find(b"\n")
    while 0 <= nl < len(window) - 1:
        start = nl + 1
        end = start
        for _ in range(QUIET_LINES):
            end = window.find(b"\n", end) + 1
            if end == 0:
                return None
        hit = min((i for i in (window.find(a, start, end) for a in anchors) if i >= 0), default=-1)
        if hit < 0:
            return mid + start
        nl = window.find(b"\n", hit)
    return None


def feed_file(
    stream: BinaryIO,
    ex: Explaining,
    name: str = "input",
    progress: Optional[Callable[[int], None]] = None,
    fold: Optional[Callable[[list], list]] = None,
) -> tuple[list, bool]:
    """Feed ``stream`` to ``ex`` like :func:`~ctxfix.read.stream.feed_stream`, in two halves.

    Returns the findings (line numbers from the start of the input) and whether the input held
    any text. The caller still calls ``ex.close()`` afterwards.
    """
    size = source_size(stream)
    cut = None
    if _worthwhile(size):
        assert size is not None
        fd = stream.fileno()
        # UTF-16 or UTF-32 is decoded from its start, in one pass: a cut is found in raw bytes.
        if not decoded_by_bom(os.pread(fd, 4, 0)):
            cut = find_cut(fd, size, tuple(a.encode() for a in ex.reader.anchors))
    if cut is None:
        return feed_stream(stream, ex.feed, ex.reader, name, progress=progress, fold=fold)
    return _two_halves(fd, cut, ex, name, progress, fold)


def _two_halves(
    fd: int,
    cut: int,
    ex: Explaining,
    name: str,
    progress: Optional[Callable[[int], None]],
    fold: Optional[Callable[[list], list]],
) -> tuple[list, bool]:
    import mmap
    import pickle
    import signal

    shared = mmap.mmap(-1, 8)  # the child's bytes read so far, for the progress bar
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read from the cut to the end and send back what was found
        code = 0
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
            ex.held = []

            def tell(n: int) -> None:
                shared[:8] = n.to_bytes(8, "little")

            found, saw = feed_stream(
                _Slice(fd, cut, _TO_THE_END),
                ex.feed,
                ex.reader,
                name,
                progress=tell,
                fold=fold,
                skim_after=0,
                sniff=False,
            )
            found.extend(ex.close())
            payload = pickle.dumps((ex.hand_over(found), saw), pickle.HIGHEST_PROTOCOL)
        except BaseException:  # any failure: the parent reads this half itself
            payload, code = b"", 1
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view) :]
        except OSError:
            code = 1
        os._exit(code)

    os.close(w)
    try:

        def advance(n: int) -> None:
            if progress is not None:
                progress(n + int.from_bytes(shared[:8], "little"))

        found, saw = feed_stream(
            _Slice(fd, 0, cut), ex.feed, ex.reader, name, progress=advance, fold=fold
        )
        part = None
        if ex.reader.at_rest:
            part = _receive(r, advance if progress else None, cut)
        if part is not None:
            hand, child_saw = part
            _reap(pid, stop=False)  # it closed the pipe: it is exiting
            found.extend(ex.release())
            found.extend(ex.take_over(hand, ex.reader.lineno))
            return found, saw or child_saw
        # A record runs across the cut, or the child failed: stop it and read the second half
        # here, going on from where the first half ended, as one pass would.
        _reap(pid)
        more, more_saw = feed_stream(
            _Slice(fd, cut, _TO_THE_END),
            ex.feed,
            ex.reader,
            name,
            progress=None,
            fold=fold,
            skim_after=0,
            sniff=False,
        )
        found.extend(more)
        return found, saw or more_saw
    finally:
        os.close(r)
        _reap(pid)
        shared.close()


def _receive(
    r: int, advance: Optional[Callable[[int], None]], done: int
) -> Optional[tuple[dict, bool]]:
    """The child's findings, or None when it failed."""
    import pickle
    import select

    chunks = []
    while True:
        if advance is not None:
            ready, _, _ = select.select([r], [], [], 0.1)
            if not ready:
                advance(done)
                continue
        data = os.read(r, 1 << 20)
        if not data:
            break
        chunks.append(data)
    if not chunks:
        return None
    try:
        return pickle.loads(b"".join(chunks))  # noqa: S301 - our own child, over our own pipe
    except Exception:
        return None


def _reap(pid: int, stop: bool = True) -> None:
    """Wait for the child; first stop it when ``stop`` (its work is not wanted, or is done)."""
    import signal

    try:
        if stop and os.waitpid(pid, os.WNOHANG)[0] == 0:
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except OSError:  # already reaped
        pass
