"""The reader never raises, and explain never shows a traceback of its own, whatever it is fed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxfix.cli import cli
from ctxfix.engine.families import finder
from ctxfix.knowledge import load
from ctxfix.read import TracebackReader, read_tracebacks
from ctxfix.read import stream as inputs

HERE = Path(__file__).parent
SHAPES = HERE / "shapes"
REAL = sorted(SHAPES.glob("*.txt"))
PIECES = [line for p in REAL for line in p.read_text(errors="replace").splitlines()]
PREFIXES = [
    "",
    "[2026-01-01 10:00:00,000: ERROR/ForkPoolWorker-1] ",
    "web_1  | ",
    "Nov 21 10:00:00 host app[123]: ",
    "> ",
    "    ",
    "E   ",
    "\x1b[31m",
    "2026-01-01T10:00:00Z stderr F ",
]

BARE_MESSAGES = finder(load(use_cache=False)).bare

lines = st.one_of(st.sampled_from(PIECES), st.text(max_size=120))
prefixed = st.tuples(st.sampled_from(PREFIXES), lines).map(lambda t: t[0] + t[1])


def _read_all(text_lines: list[str]) -> None:
    for tb in read_tracebacks(text_lines, BARE_MESSAGES):
        assert tb.start_line <= tb.end_line
        assert len(tb.frames) <= 400


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(prefixed, max_size=60))
def test_reader_never_raises_on_shuffled_real_lines_and_noise(text_lines: list[str]) -> None:
    _read_all(text_lines)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(REAL), st.integers(0, 10_000), st.integers(0, 10_000), st.booleans())
def test_truncated_and_reversed_real_inputs(path: Path, a: int, b: int, rev: bool) -> None:
    text = path.read_text(errors="replace")
    lo, hi = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    chunk = text[lo:hi].splitlines()
    _read_all(list(reversed(chunk)) if rev else chunk)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"]))
def test_stream_of_mixed_encodings(noise: bytes, encoding: str) -> None:
    import io

    text = (SHAPES / "journald_every_line.txt").read_text()
    data = text.encode(encoding, errors="replace") + noise + text.encode("utf-8")
    reader = TracebackReader(BARE_MESSAGES)
    try:
        inputs.feed_stream(io.BytesIO(data), reader.feed, reader)
    except inputs.InputError:
        pass  # binary-looking input gets a one-line error, which is fine
    reader.close()


def test_big_stream_is_skimmed_with_the_same_result() -> None:
    """Past SKIM_AFTER, lines with no anchor are only counted: same records, same lines."""
    import io

    filler = "".join(f"2026-01-01 10:00:00 INFO req {i} ok\n" for i in range(60_000))
    text = filler + (SHAPES / "celery_repr_then_traceback.txt").read_text() + filler
    data = text.encode()
    assert len(data) > inputs.SKIM_AFTER
    fed = []
    reader = TracebackReader(BARE_MESSAGES, hints=("ontext",))
    found, saw = inputs.feed_stream(
        io.BytesIO(data), lambda s: fed.append(s) or reader.feed(s), reader
    )
    found += reader.close()
    slow = list(read_tracebacks(text.splitlines(), BARE_MESSAGES))
    assert saw and len(fed) < len(text.splitlines()) // 2
    assert [(t.start_line, t.end_line, t.exc_type) for t in found] == [
        (t.start_line, t.end_line, t.exc_type) for t in slow
    ]


# Every captured traceback of the newest and oldest Flask (their paths differ: absolute, relative,
# Windows-free), and every old-version signal capture.
_EVERY_INPUT = (
    REAL
    + sorted((HERE / "tracebacks").glob("flask-3.1.3/*.txt"))
    + sorted((HERE / "tracebacks").glob("flask-1.1.4/*.txt"))
    + sorted((HERE / "signals").glob("*.txt"))
)


@pytest.mark.parametrize("path", _EVERY_INPUT, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_test_input_through_the_cli(runner, path: Path) -> None:  # noqa: ANN001
    result = runner.invoke(cli, ["explain", "--format", "json", str(path)])
    # CliRunner turns an exception of ctxfix's own into exit status 1: look at it too.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback (most recent call last)" not in result.stderr
    assert "internal error" not in result.stderr


def _cli(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ctxfix", "explain", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("what", "data", "codes"),
    [
        ("empty", b"", (2,)),
        ("whitespace", b"  \n\t\n\n", (2,)),
        ("binary noise", bytes(range(256)) * 40, (2,)),
        (
            "non-UTF-8 bytes",
            b"RuntimeError: working outside of request context\n" + b"\xff\xfe\x80caf\xe9\n",
            (0,),
        ),
        ("5 MB single line", b"x" * (5 * 1024 * 1024), (1,)),
        (
            "cut-off traceback",
            b"Traceback (most recent call last):\n"
            b'  File "/a/b.py", line 3, in f\n    x = current_app.con',
            (1,),
        ),
    ],
)
def test_bad_input_through_the_real_cli(
    tmp_path: Path, what: str, data: bytes, codes: tuple
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    proc = _cli([str(path)])
    err = proc.stderr.decode()
    assert proc.returncode in codes, (what, proc.returncode, err)
    assert "Traceback" not in err
    if proc.returncode == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("ctxfix: ")


def test_folder_and_missing_file_get_one_line(tmp_path: Path) -> None:
    for arg, said in ((str(tmp_path), "is a folder"), (str(tmp_path / "nope.txt"), "no such file")):
        proc = _cli([arg])
        err = proc.stderr.decode()
        assert proc.returncode == 2 and said in err and len(err.strip().splitlines()) == 1
