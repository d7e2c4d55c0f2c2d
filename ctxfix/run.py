"""Run a command, pass its output through untouched, and diagnose context errors as they appear.

``ctxfix run -- flask run`` starts the child with its stdout and stderr on pipes. Two reader
threads copy every byte to ctxfix's own stdout and stderr as soon as it arrives, and the main
thread feeds complete lines to one :class:`ctxfix.engine.Explainer` per stream. When a traceback
completes (or the stream goes quiet right after one), a short diagnosis is written to stderr.

Signals: when ctxfix has a terminal on stdin the child stays in the terminal's process group, so
Ctrl-C reaches it directly and is not sent twice. Otherwise the child gets a process group of its
own and ctxfix forwards SIGINT and SIGTERM to that group. Either way ctxfix waits for the child
and exits with its status (128 + N when a signal N ended it).
"""

from __future__ import annotations

import codecs
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


class RunError(Exception):
    """The command could not be started."""


class _Watch:
    """One output stream of the child: where its bytes go and what reads its lines."""

    def __init__(self, sink: BinaryIO, kb: Any, project_root: Optional[str]) -> None:
        self.sink = sink
        self.kb = kb
        self.project_root = project_root
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.partial = ""
        self.dirty = False
        self.failure: Optional[str] = None
        self.alive = True
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


def _pump(fd: int, index: int, out: queue.Queue) -> None:
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out.put((index, chunk))
    except OSError:
        pass
    finally:
        out.put((index, None))


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
    out_sink = stdout if stdout is not None else sys.stdout.buffer
    err_sink = stderr if stderr is not None else sys.stderr.buffer
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

    watches = [_Watch(out_sink, kb, project_root), _Watch(err_sink, kb, project_root)]
    pipes = [proc.stdout, proc.stderr]
    events: queue.Queue = queue.Queue()
    readers = [
        threading.Thread(target=_pump, args=(p.fileno(), i, events), daemon=True)
        for i, p in enumerate(pipes)
        if p is not None
    ]
    for t in readers:
        t.start()

    seen: dict[tuple, int] = {}
    pending: list[str] = []
    stopped: list[str] = []
    err_at_line_start = True
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
        nonlocal err_at_line_start
        if not pending or not (err_at_line_start or force):
            return
        text = "".join(pending)
        pending.clear()
        if not err_at_line_start:
            text = "\n" + text
        err_sink.write(text.encode("utf-8", "replace"))
        err_sink.flush()
        err_at_line_start = True

    try:
        while open_streams:
            try:
                index, chunk = events.get(timeout=idle)
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
            if watch.alive:
                try:
                    watch.sink.write(chunk)
                    watch.sink.flush()
                except BrokenPipeError:
                    # Whoever read our output has gone (`| head`); the command may run on.
                    watch.alive = False
            if index == 1:
                err_at_line_start = chunk.endswith(b"\n")
            report(watch.feed(chunk))
            emit(force=False)
        returncode = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for p, t in zip(pipes, readers):
            t.join(timeout=0.1)
            if p is not None and not t.is_alive():
                p.close()
    for w in watches:
        report(w.flush(final=True))
    emit(force=True)
    if found_any:
        distinct = len(seen)
        err_sink.write(
            f"{_PREFIX}{found_any} context error{'s' if found_any != 1 else ''} diagnosed"
            f"{f' ({distinct} distinct)' if distinct != found_any else ''}\n".encode()
        )
        err_sink.flush()
    return _exit_status(returncode)


def _stdin_is_tty() -> bool:
    try:
        return os.isatty(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return False
