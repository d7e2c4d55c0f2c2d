"""ctxfix run when its own output fails or floods: the command is stopped or passed through,
never left running behind ctxfix, never held back by the diagnosis."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from test_hostile_verify import _gone, _kill

from ctxfix import engine
from ctxfix.knowledge import load
from ctxfix.run import BACKLOG_BYTES, run_command

POSIX = pytest.mark.skipif(os.name != "posix", reason="process groups and signals are POSIX")

ENDLESS = """
import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
i = 0
while True:
    print("line", i, flush=True)
    i += 1
    time.sleep(0.01)
"""


@pytest.fixture(scope="module")
def knowledge():
    return load(use_cache=False)


def _script(tmp_path: Path, code: str) -> str:
    path = tmp_path / "child.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return str(path)


def _pid(path: Path) -> int:
    for _ in range(200):
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError("the child never started")


@POSIX
def test_a_reader_that_goes_away_stops_the_command(tmp_path):
    child = _script(tmp_path, ENDLESS)
    pidfile = tmp_path / "pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "run", "--", sys.executable, child, str(pidfile)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"line 0\n"
        pid = _pid(pidfile)
        proc.stdout.close()  # `| head -1` has read what it wanted
        proc.wait(timeout=30)
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        _kill(pidfile)
    assert _gone(pid), "the command was left running"
    assert err.decode().splitlines() == [
        "ctxfix: the output is closed (Broken pipe): stopped the command"
    ]
    assert proc.returncode == 128 + 15  # ended by the SIGTERM it was sent


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_stops_the_command_with_one_line(tmp_path):
    child = _script(tmp_path, ENDLESS)
    pidfile = tmp_path / "pid"
    try:
        with open("/dev/full", "wb") as full:
            result = subprocess.run(
                [sys.executable, "-m", "ctxfix", "run", "--", sys.executable, child, str(pidfile)],
                stdin=subprocess.DEVNULL,
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=30,
            )
        assert _gone(_pid(pidfile))
    finally:
        _kill(pidfile)
    assert result.stderr.decode().splitlines() == [
        "ctxfix: the output is not writable (No space left on device): stopped the command"
    ]


@POSIX
def test_with_stdout_closed_the_command_runs_and_says_so(tmp_path):
    child = _script(
        tmp_path,
        'import sys\nprint("to stdout")\nprint("to stderr", file=sys.stderr)\nsys.exit(3)\n',
    )
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "ctxfix", "run", "--"]
        + [sys.executable, child],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 3  # it ran, to its own end
    assert result.stderr.decode().splitlines() == [
        "ctxfix: stdout is closed: what the command writes there is dropped",
        "to stderr",
    ]


def test_diagnosis_never_holds_the_output_back(tmp_path, knowledge, monkeypatch):
    """With diagnosis stuck, the command still writes twice the backlog and ends; the backlog
    stays bounded and what it could not hold is passed through undiagnosed, and said so."""
    gate = threading.Event()
    feed = engine.Explainer.feed

    def stuck(self, line):
        gate.wait(15)
        return feed(self, line)

    monkeypatch.setattr(engine.Explainer, "feed", stuck)
    lines = 2 * BACKLOG_BYTES // 64
    child = _script(
        tmp_path, f'import sys\nfor i in range({lines}):\n    sys.stdout.write("x" * 63 + "\\n")\n'
    )
    ended_first = []

    def on_start(proc: subprocess.Popen) -> None:
        def watch() -> None:
            try:
                proc.wait(timeout=15)
                ended_first.append(True)
            except subprocess.TimeoutExpired:
                ended_first.append(False)
            gate.set()

        threading.Thread(target=watch, daemon=True).start()

    out, err = io.BytesIO(), io.BytesIO()
    code = run_command(
        [sys.executable, child], knowledge, stdout=out, stderr=err, on_start=on_start
    )
    assert code == 0
    assert ended_first == [True], "the command waited for the diagnosis"
    assert len(out.getvalue()) == lines * 64
    assert b"of output came faster than it could be read" in err.getvalue()
