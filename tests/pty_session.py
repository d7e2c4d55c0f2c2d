"""A real pseudo-terminal for tests: ``python -m ctxfix ARGS`` on its own pty, read back."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time


class Terminal:
    """A real pseudo-terminal running ``python -m ctxfix ARGS``, read until text appears."""

    def __init__(self, *args: str) -> None:
        import pty

        self.master, slave = pty.openpty()
        env = dict(os.environ, TERM="xterm", COLUMNS="100", LINES="40")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ctxfix", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, needle: bytes, timeout: float = 20.0, start: int = 0) -> None:
        """Read until ``needle`` shows, at or after byte ``start`` of what was seen."""
        end = time.monotonic() + timeout
        while needle not in self.seen[start:]:
            left = end - time.monotonic()
            assert left > 0, f"timed out waiting for {needle!r}; screen: {self.seen[-600:]!r}"
            if select.select([self.master], [], [], left)[0]:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    break

    def drain(self) -> None:
        try:
            while select.select([self.master], [], [], 0.5)[0]:
                self.seen += os.read(self.master, 65536)
        except OSError:
            pass

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        os.close(self.master)
