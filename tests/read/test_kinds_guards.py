"""The cheap checks in front of the reader's patterns never turn away a line the pattern takes.

Each check (ctxfix/read/kinds.py, the pytest shape) spares compiling and running a pattern on
lines that cannot match it; here each guarded function is compared with its bare pattern over
every line the project's example programs printed (tests/tracebacks) and lines written to hit
each form the patterns know (written for these tests, not taken from anyone's paste).
"""

from __future__ import annotations

from pathlib import Path

from ctxfix.read import kinds
from ctxfix.read.kinds import (
    CARET,
    CHAIN,
    LOG_PREFIX,
    META_LINE,
    is_caret,
    is_chain,
    is_meta_line,
    log_prefix,
    looks_final,
    starts_log_entry,
    strip_known_prefix,
)
from ctxfix.read.shapes import pytest as pytest_shape

CORPUS = Path(__file__).resolve().parent.parent / "tracebacks"

WRITTEN = [
    "[2024-05-01 10:00:00,123] ERROR in app: Exception on /x [GET]",
    "[2024-05-01 10:00:00 +0000] [7] [ERROR] Error handling request /",
    "2024-05-01 10:00:00,123 ERROR app.tasks: boom",
    "2024-05-01T10:00:00.123Z stderr F Traceback (most recent call last):",
    "Nov 26 10:00:00 host gunicorn[12]: Traceback (most recent call last):",
    "Nov  6 10:00:00 host app[3]: RuntimeError: x",
    "web_1  | Traceback (most recent call last):",
    'web  |   File "/app/x.py", line 3, in f',
    "[1716553200] worker started",
    "ERROR:app.jobs:job failed",
    "INFO:werkzeug:127.0.0.1 - - GET /",
    "  2024-05-01 10:00:00",
    "10:00:00 ",
    "Tue, 26 Nov 2024 10:00:00",
    "Nov 26, 2024 10:00:00 AM",
    "1716553200.5",
    "    ^^^^^^^^^^^^",
    "  ~~~~~~~~~^^^^^^",
    "   ^",
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
    "RuntimeError('Working outside of application context.')",
    'celery.exceptions.Retry("x")',
    "foo(bar)",
    "x = RuntimeError('y')",
    "items[0]",
    "RuntimeError: Working outside of application context.",
    "Traceback (most recent call last):",
    "",
    "   ",
    "É12 10:00:00",
    "Ñov 26 10:00:00 host app: x",
    "time=2024-05-01T10:00:00Z level=error msg=boom",
    "level=info msg=started",
    "lvl=warn x=1",
    "ts=1716553200 msg=x",
    "[DEBUG] loading",
    "WARN something",
    "NOTICE: x",
    '127.0.0.1 - - [01/May/2024 10:00:00] "GET / HTTP/1.1" 500 -',
    "[01/May/2024:10:00:00 +0000] x",
    "10:00:00.123 worker ready",
    "2024/05/01 10:00:00 x",
    "timeout=3 retries",
    "/usr/lib/python3.12/threading.py",
    "C:/Python311/Lib/threading.py",
    "/Library/Frameworks/Python.framework/Versions/3.11/lib/python3.11/runpy.py",
    "/usr/lib64/python3.9/concurrent/futures/thread.py",
    "/app/lib/code.py",
]


def _lines() -> list[str]:
    lines = list(WRITTEN)
    for path in sorted(CORPUS.rglob("*.txt")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return lines


LINES = _lines()


def test_the_corpus_is_there_to_compare_on() -> None:
    assert len(LINES) > 1000


def test_log_prefix_and_strip_known_prefix_take_what_the_pattern_takes() -> None:
    for line in LINES:
        m = LOG_PREFIX.match(line)
        assert strip_known_prefix(line) == (line[m.end() :] if m else line), line
        found = log_prefix(line)
        assert (found and found.span()) == (m and m.span()), line


def test_starts_log_entry_takes_what_the_log_line_patterns_take() -> None:
    for line in LINES:
        text = line.strip()
        expected = kinds.LOG_LINE.match(text) or kinds.LOG_LINE_MORE.match(text)
        assert starts_log_entry(text) == (expected is not None), line


def test_is_meta_line_takes_what_its_pattern_takes() -> None:
    for line in LINES:
        assert is_meta_line(line) == (META_LINE.match(line) is not None), line


def test_carets_chains_and_code_lines_as_their_patterns_say() -> None:
    for line in LINES:
        assert is_caret(line) == (CARET.match(line) is not None), line
        assert is_chain(line) == (CHAIN.search(line) is not None), line
        stripped = line.strip()
        assert looks_final(stripped) == (kinds._CODE_LIKE.match(stripped) is None), line


def test_what_the_other_checks_look_for_is_in_every_line_the_patterns_take() -> None:
    """The repr finder looks for ``('`` or ``("``; pytest's location and line forms for
    ``.py:``; its E-lines for an ``E`` alone or followed by a space; STDLIB for ``python`` or
    ``lib/``."""
    extra = ["E", "E   RuntimeError: x", "tests/a.py:3: in f"]
    for line in LINES + [ln.strip() for ln in LINES] + extra:
        if kinds._REPR_OPEN.search(line):
            assert "('" in line or '("' in line, line
        if pytest_shape._FRAME.match(line) or pytest_shape._LOC.match(line):
            assert ".py:" in line, line
        if pytest_shape._LINE_FORM.match(line):
            assert ".py:" in line, line
        if pytest_shape.E_LINE.match(line):
            assert line[:1] == "E" and line[1:2] in ("", " "), line
        low = line.replace("\\", "/").lower()
        if kinds.STDLIB.search(low):
            assert "python" in low or "lib/" in low, line
    found = kinds.EXC_REPR.search("task failed: RuntimeError('Working outside of app')")
    assert found is not None and found.group("type") == "RuntimeError"
