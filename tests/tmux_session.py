"""A real terminal for tests: a shell in a detached tmux pane, typed into and read back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

import pytest

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux; CI installs it)"
)


class Tmux:
    """``bash`` (no rc files) in a tmux pane ``width`` x ``height``, ctxfix on its PATH.

    ``env`` is added to the pane's environment; COLUMNS, LINES and colour variables are unset,
    so ctxfix sizes itself from the pane as in any terminal.
    """

    def __init__(
        self, tmp_path: Path, width: int = 80, height: int = 24, env: Optional[dict] = None
    ) -> None:
        self.server = f"ctxfix-test-{uuid.uuid4().hex[:12]}"
        self._runs = 0
        self.tmux = ["tmux", "-L", self.server, "-f", os.devnull]
        rc = tmp_path / f"rc-{self.server}"
        lines = ["unset COLUMNS LINES NO_COLOR FORCE_COLOR PAGER CTXFIX_PAGER", "PS1='$ '"]
        lines += [f"export {k}='{v}'" for k, v in (env or {}).items()]
        rc.write_text("\n".join(lines) + "\n")
        environ = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        environ["TERM"] = "xterm-256color"
        environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environ.get("PATH", "")
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-x", str(width), "-y", str(height)]
            + ["bash", "--noprofile", "--rcfile", str(rc), "-i"],
            env=environ,
            check=True,
        )
        self.wait_for("$ ")

    def run(self, command: str) -> str:
        """Type ``command`` and Enter, wait until it has finished (a marker of its own, with its
        exit status, shows), and return everything the pane has shown."""
        self._runs += 1
        self.type(f"{command}; echo status-{self._runs}=$?")
        self.send("Enter")
        return self.wait_for(rf"re:status-{self._runs}=\d", history=True)

    def send(self, *keys: str) -> None:
        """Type ``keys`` (tmux key names such as Tab, Enter, C-d, or literal text)."""
        subprocess.run([*self.tmux, "send-keys", "-t", "0", *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "0", "-l", text], check=True)

    def screen(self, history: bool = False) -> str:
        """What the pane shows (with ``history``, everything since it started), lines joined
        where the terminal wrapped them."""
        args = ["capture-pane", "-p", "-J", "-t", "0"] + (["-S", "-"] if history else [])
        return subprocess.run(
            [*self.tmux, *args], capture_output=True, text=True, check=True
        ).stdout

    def wait_for(self, needle: str, timeout: float = 30.0, history: bool = False) -> str:
        """Wait until the pane shows ``needle`` (a regular expression when it starts with
        ``re:``); what it shows then."""
        deadline = time.monotonic() + timeout
        screen = ""
        pattern = re.compile(needle[3:] if needle.startswith("re:") else re.escape(needle))
        while time.monotonic() < deadline:
            screen = self.screen(history)
            if pattern.search(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} did not show; the pane shows:\n{screen}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
