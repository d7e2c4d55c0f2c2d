"""Run a command, pass its output through untouched, and diagnose context errors as they appear.

``ctxfix run -- flask run`` starts the child with its stdout and stderr on pipes. Two reader
threads copy every byte to ctxfix's own stdout and stderr as soon as it arrives, and hand it on
through a bounded backlog to the main thread, which feeds complete lines to one
:class:`ctxfix.engine.Explainer` per stream. When a traceback completes (or the stream goes quiet
right after one), a short diagnosis is written to stderr. Diagnosis never holds the output back:
what comes faster than it can be read is passed through undiagnosed, and said so at the end.

When ctxfix's own output fails (the reader of a pipe went away, the disk is full), the child is
stopped as it would have been without ctxfix in between, and one line says why. A closed stdout
is no such failure: the command runs, and what it writes to stdout is dropped.

Signals: when ctxfix has a terminal on stdin the child stays in the terminal's process group, so
Ctrl-C reaches it directly and is not sent twice. Otherwise the child gets a process group of its
own and ctxfix forwards SIGINT and SIGTERM to that group. Either way ctxfix waits for the child
and exits with its status (128 + N when a signal N ended it).
"""

from __future__ import annotations

import codecs
import errno
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any, BinaryIO, Callable, Optional, Sequence

__all__ = ["RunError", "run_command"]

IDLE_SECONDS = 0.3
"""A stream that stays quiet this long after a traceback gets its diagnosis without waiting."""

LINGER_SECONDS = 2.0
"""After the child exits, how long to keep reading pipes that its own children hold open."""

_PREFIX = "ctxfix: "
_MAX_PARTIAL = 64 * 1024
BACKLOG_BYTES = 8 * 1024 * 1024
"""Output waiting for diagnosis, at most; what comes on top is passed through unread."""
_BACKLOG_CHUNKS = 16384
_GAP = b"gap"
"""Put in the queue where chunks were left out: no record runs across it."""


class RunError(Exception):
    """The command could not be started."""


class _Watch:
    """One output stream of the child: where its bytes go and what reads its lines."""

    def __init__(self, kb: Any, project_root: Optional[str]) -> None:
        self.kb = kb
        self.project_root = project_root
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.partial = ""
        self.dirty = False
        self.failure: Optional[str] = None
        self.explainer = self._new()

    def _new(self) -> Any:
        if self.kb is None:
            return None
        from ctxfix.engine import Explainer

        return Explainer(self.kb, self.project_root)

    def feed(self, data: bytes) -> list[Any]:
        return self._guard(self._feed, data)

    def flush(self, final: bool = False) -> list[Any]:
        """Finish what the explainer holds; at the end also the last unterminated line."""
        return self._guard(self._flush, final)

    def gap(self) -> list[Any]:
        """Output was left out here: forget the unfinished line and finish what is held."""
        self.partial = ""
        self.decoder.reset()
        return self.flush()

    def _guard(self, step: Callable[[Any], list[Any]], arg: Any) -> list[Any]:
        if self.explainer is None:
            return []
        try:
            return step(arg)
        except Exception as exc:  # noqa: BLE001 - the command's output matters more
            self.explainer = None
            self.kb = None
            self.failure = f"{type(exc).__name__}: {exc}"
            return []

    def _feed(self, data: bytes) -> list[Any]:
        text = self.partial + self.decoder.decode(data)
        lines = text.splitlines(keepends=True)
        self.partial = ""
        if lines and not lines[-1].endswith(("\n", "\r")):
            self.partial = lines.pop()[-_MAX_PARTIAL:]
        found: list[Any] = []
        for line in lines:
            found.extend(self.explainer.feed(line.rstrip("\r\n")))
            self.dirty = True
        return found

    def _flush(self, final: bool) -> list[Any]:
        found: list[Any] = []
        if final:
            rest = self.partial + self.decoder.decode(b"", final=True)
            self.partial = ""
            if rest:
                found.extend(self.explainer.feed(rest.rstrip("\r\n")))
                self.dirty = True
        if self.dirty:
            found.extend(self.explainer.close())
            self.explainer = self._new()
            self.dirty = False
        return found


class _Sink:
    """One of ctxfix's outputs, written by a reader thread (the child's bytes) and the main
    thread (diagnoses): a diagnosis waits for the start of a line unless forced, and the first
    failure to write is kept and signalled."""

    def __init__(self, stream: Optional[BinaryIO], failed: threading.Event) -> None:
        self.stream = stream  # None: dropped (ctxfix's own stream is closed)
        self.failed = failed
        self.error: Optional[OSError] = None
        self.at_line_start = True
        self.lock = threading.Lock()

    def child(self, data: bytes) -> None:
        with self.lock:
            self._write(data)
            self.at_line_start = data.endswith(b"\n")

    def ours(self, data: bytes, force: bool) -> bool:
        with self.lock:
            if not (self.at_line_start or force):
                return False
            self._write(data if self.at_line_start else b"\n" + data)
            self.at_line_start = True
            return True

    def _write(self, data: bytes) -> None:
        if self.stream is None or self.error is not None:
            return
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            self.error = exc if isinstance(exc, OSError) else OSError(errno.EBADF, "closed")
            self.failed.set()


class _Backlog:
    """Chunks of output waiting for diagnosis: a queue bounded in bytes and in chunks."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.bytes = 0
        self.lock = threading.Lock()

    def offer(self, index: int, chunk: bytes) -> bool:
        with self.lock:
            full = self.bytes + len(chunk) > BACKLOG_BYTES
            if full or self.queue.qsize() >= _BACKLOG_CHUNKS:
                return False
            self.bytes += len(chunk)
        self.queue.put((index, chunk))
        return True

    def end(self, index: int) -> None:
        self.queue.put((index, None))  # always taken: the main loop counts the ends

    def get(self, timeout: float) -> tuple[int, Optional[bytes]]:
        index, chunk = self.queue.get(timeout=timeout)
        if chunk:
            with self.lock:
                self.bytes -= len(chunk)
        return index, chunk


def _pump(fd: int, index: int, sink: _Sink, backlog: _Backlog, dropped: list[int]) -> None:
    """Copy the child's bytes to ``sink`` at once, and queue them for diagnosis if there is room."""
    gap = False
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            sink.child(chunk)
            if gap and backlog.offer(index, _GAP):
                gap = False
            if gap or not backlog.offer(index, chunk):
                dropped[index] += len(chunk)
                gap = True
    except OSError:
        pass
    finally:
        backlog.end(index)


def _std(name: str) -> Optional[BinaryIO]:
    """ctxfix's own stdout or stderr as bytes; None when it is closed."""
    return getattr(getattr(sys, name, None), "buffer", None)


def _exit_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_command(
    argv: Sequence[str],
    kb: Any,
    *,
    stdout: Optional[BinaryIO] = None,
    stderr: Optional[BinaryIO] = None,
    project_root: Optional[str] = None,
    env: Optional[dict[str, str]] = None,
    idle: float = IDLE_SECONDS,
    on_start: Optional[Callable[[subprocess.Popen], None]] = None,
) -> int:
    """Run ``argv`` until it exits and return its exit status.

    ``kb`` is the knowledge base (None turns the diagnosis off). Output goes to ``stdout`` and
    ``stderr`` (binary streams; ctxfix's own by default). Raises :class:`RunError` when the
    command cannot be started.
    """
    if not argv:
        raise RunError("no command given; usage: ctxfix run -- COMMAND [ARGS]...")
    failed = threading.Event()
    out_sink = _Sink(stdout if stdout is not None else _std("stdout"), failed)
    err_sink = _Sink(stderr if stderr is not None else _std("stderr"), failed)
    if out_sink.stream is None:
        err_sink.ours(
            f"{_PREFIX}stdout is closed: what the command writes there is dropped\n".encode(), True
        )
    child_env = dict(os.environ if env is None else env)
    # A Python child writes to a pipe in blocks unless told otherwise; "live" needs lines.
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    posix = os.name == "posix"
    own_group = posix and not _stdin_is_tty()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env,
            start_new_session=own_group,
        )
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RunError(f"cannot run {argv[0]!r}: {reason}") from None
    if on_start is not None:
        on_start(proc)

    def forward(signum: int, _frame: Any) -> None:
        if own_group:
            try:
                os.killpg(proc.pid, signum)
            except OSError:
                pass
        # Otherwise the terminal already sent it to the child's group, which is ours.

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, forward)

    watches = [_Watch(kb, project_root), _Watch(kb, project_root)]
    sinks = [out_sink, err_sink]
    pipes = [proc.stdout, proc.stderr]
    backlog = _Backlog()
    dropped = [0, 0]
    readers = [
        threading.Thread(
            target=_pump, args=(p.fileno(), i, sinks[i], backlog, dropped), daemon=True
        )
        for i, p in enumerate(pipes)
        if p is not None
    ]
    for t in readers:
        t.start()

    seen: dict[tuple, int] = {}
    pending: list[str] = []
    stopped: list[str] = []
    open_streams = len(readers)
    found_any = 0
    exited_idle = 0

    def report(found: list[Any]) -> None:
        nonlocal found_any
        if found:
            from ctxfix.render.brief import run_brief
        for f in found:
            found_any += 1
            key = f.key()
            seen[key] = seen.get(key, 0) + 1
            try:
                pending.append(run_brief(f, kb, seen[key]))
            except Exception as exc:  # noqa: BLE001 - never let drawing stop the command
                pending.append(f"{_PREFIX}context error seen ({f.cause_id or f.family}); {exc}\n")
        for w in watches:
            if w.failure and not stopped:
                stopped.append(w.failure)
                pending.append(f"{_PREFIX}diagnosis stopped: internal error ({w.failure})\n")
            w.failure = None

    def emit(force: bool) -> None:
        if pending and err_sink.ours(_encode("".join(pending)), force):
            pending.clear()

    ended: Optional[OSError] = None
    try:
        while open_streams:
            if failed.is_set():
                ended = next(s.error for s in sinks if s.error is not None)
                _stop(proc, own_group)
                break
            try:
                index, chunk = backlog.get(timeout=idle)
            except queue.Empty:
                for w in watches:
                    report(w.flush())
                emit(force=True)
                if proc.poll() is not None:
                    # The child is gone; a grandchild may still hold the pipes open.
                    exited_idle += 1
                    if exited_idle * idle >= LINGER_SECONDS:
                        break
                continue
            watch = watches[index]
            if chunk is None:
                open_streams -= 1
                report(watch.flush(final=True))
                continue
            report(watch.gap() if chunk is _GAP else watch.feed(chunk))
            emit(force=False)
        returncode = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for p, t in zip(pipes, readers):
            t.join(timeout=0.1)
            if p is not None and not t.is_alive():
                p.close()
    if ended is not None:
        what = "closed" if isinstance(ended, BrokenPipeError) else "not writable"
        reason = ended.strerror or str(ended)
        err_sink.ours(
            _encode(f"{_PREFIX}the output is {what} ({reason}): stopped the command\n"), True
        )
        return _exit_status(returncode)
    for w in watches:
        report(w.flush(final=True))
    emit(force=True)
    lines = []
    if found_any:
        distinct = len(seen)
        lines.append(
            f"{_PREFIX}{found_any} context error{'s' if found_any != 1 else ''} diagnosed"
            f"{f' ({distinct} distinct)' if distinct != found_any else ''}\n"
        )
    if sum(dropped):
        lines.append(
            f"{_PREFIX}{_size(sum(dropped))} of output came faster than it could be read and "
            "passed through undiagnosed\n"
        )
    if lines:
        err_sink.ours(_encode("".join(lines)), True)
    return _exit_status(returncode)


def _encode(text: str) -> bytes:
    """ctxfix's own lines in the encoding of its stderr, with ASCII stand-ins where it lacks a
    character (main() registers the "ctxfix" error handler)."""
    stream = getattr(sys, "stderr", None)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "replace"
    try:
        return text.encode(encoding, errors)
    except (LookupError, UnicodeError):
        return text.encode("utf-8", "replace")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n // 1024 + 1} KB"


def _stop(proc: subprocess.Popen, own_group: bool) -> None:
    """End the command as a closed output would have: SIGTERM to its group (or to it, when it
    shares ctxfix's group), then SIGKILL if it is still there after a few seconds."""
    for polite in (True, False):
        try:
            if own_group:
                os.killpg(proc.pid, signal.SIGTERM if polite else signal.SIGKILL)
            elif polite:
                proc.terminate()
            else:
                proc.kill()
        except OSError:
            pass
        try:
            proc.wait(timeout=3.0 if polite else None)
            return
        except subprocess.TimeoutExpired:
            continue


def _stdin_is_tty() -> bool:
    try:
        return os.isatty(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return False
