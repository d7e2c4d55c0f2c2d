"""Every decision about the terminal: colour, the rich console, and paging long output.

Colour follows ``--color auto|always|never`` first, then ``NO_COLOR`` and ``FORCE_COLOR``
(https://no-color.org, https://force-color.org), then whether the output is a terminal. With
colour, reports are drawn with rich; without it, as plain text.

A report written to a terminal that is taller than the screen is paged the way git pages:
``CTXFIX_PAGER``, else ``PAGER``, else ``less -FRX``, with ``LESS=FRX`` when ``LESS`` is unset.
``--no-pager``, or ``CTXFIX_PAGER`` (or ``PAGER``) set to nothing or ``cat``, turns it off.
"""

from __future__ import annotations

import io
import os
import sys
from typing import IO, Any, Mapping, Optional

from ctxfix.render.text import terminal_width

__all__ = [
    "COLOR_CHOICES",
    "Output",
    "is_terminal",
    "make_console",
    "pager_command",
    "paste_prompt",
    "wants_color",
]

COLOR_CHOICES = ("auto", "always", "never")


def wants_color(
    choice: str = "auto", isatty: Optional[bool] = None, environ: Optional[Mapping[str, str]] = None
) -> bool:
    """Whether output is drawn with colour (rich); ``isatty`` is stdout's, asked when None."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    return _isatty(sys.stdout) if isatty is None else isatty


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):
        return False


def make_console(color: bool, file: Optional[IO[str]] = None, stderr: bool = False) -> Any:
    """A rich console that draws with colour or without, whatever the environment says.

    Code is never wrapped (soft wrap is off for prose only) and the width is the terminal's.
    """
    from rich.console import Console

    console = Console(
        file=file,
        stderr=stderr,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        soft_wrap=False,
        width=terminal_width(),
    )
    if color and console.color_system is None:  # forced on a dumb or unknown terminal
        console = Console(
            file=file,
            stderr=stderr,
            force_terminal=True,
            color_system="standard",
            highlight=False,
            soft_wrap=False,
            width=terminal_width(),
        )
    return console


def pager_command(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The pager to run, or None when paging is turned off or no pager is installed."""
    import shutil

    env = os.environ if environ is None else environ
    for name in ("CTXFIX_PAGER", "PAGER"):
        if name in env:
            command = env[name].strip()
            return None if command in ("", "cat") else command
    return "less -FRX" if shutil.which("less") else None


def _screen_height() -> int:
    """The terminal's height in rows: LINES, then the terminal's size; 0 when unknown."""
    lines = os.environ.get("LINES", "").strip()
    if lines.isdigit() and int(lines) > 0:
        return int(lines)
    try:
        return max(0, os.get_terminal_size(sys.stdout.fileno()).lines)
    except (OSError, ValueError, AttributeError):
        return 0


def _screen_rows(text: str, columns: int) -> int:
    """How many rows ``text`` takes on a terminal ``columns`` wide (long lines wrap there)."""
    import re

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return sum(max(1, -(-len(line) // columns)) for line in plain.splitlines())


class Output:
    """Where a command's report goes: stdout, or a pager when the report is too tall for it.

    Write with :meth:`echo` and draw on :attr:`console`; :meth:`close` sends what was held
    back. Output is held back only when it may be paged (stdout is a terminal and paging is
    on); otherwise it is written at once.
    """

    def __init__(self, color: bool, page: bool = True) -> None:
        self.color = color
        self.pager = pager_command() if page and _isatty(sys.stdout) else None
        self._held: Optional[io.StringIO] = io.StringIO() if self.pager else None
        self._console: Any = None

    @property
    def console(self) -> Any:
        """A rich console drawing into this output."""
        if self._console is None:
            self._console = make_console(self.color, file=self._held)
        return self._console

    def echo(self, text: str, nl: bool = True) -> None:
        if self._held is not None:
            self._held.write(text + ("\n" if nl else ""))
        else:
            import click

            click.echo(text, nl=nl)

    def close(self) -> None:
        """Write what was held back: through the pager when it is taller than the screen."""
        if self._held is None:
            return
        text, self._held = self._held.getvalue(), None
        rows = _screen_height()
        if self.pager and rows and _screen_rows(text, terminal_width()) >= rows:
            if _page(self.pager, text):
                return
        sys.stdout.write(text)
        sys.stdout.flush()


def _page(command: str, text: str) -> bool:
    """Show ``text`` through the pager; False when the pager could not be started."""
    import signal
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pager's to handle
    try:
        assert proc.stdin is not None
        try:
            proc.stdin.write(text.encode(encoding, errors="replace"))
            proc.stdin.close()
        except OSError:  # the pager quit before reading it all (q), or never started
            pass
        code = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return code != 127  # 127: the shell found no such command


def is_terminal() -> bool:
    """Whether stdout is a terminal, where a person can be asked questions."""
    return _isatty(sys.stdout)


def paste_prompt() -> str:
    """What to say before reading a paste from the terminal: the key that ends it here."""
    key = "Ctrl-Z, then Enter," if os.name == "nt" else "Ctrl-D"
    return f"Paste the traceback, then press {key} on an empty line:"
