"""The diagnose wizard: questionary through a pipe input, and once in a real pseudo-terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ctxfix import wizard

DOWN, ENTER = "\x1b[B", "\r"


def run_with_keys(kb, keys: list[str], answers=None, stdin_text: str = ""):
    with create_pipe_input() as pipe:
        for k in keys:
            pipe.send_text(k)
        prompter = wizard.Prompter(pipe, DummyOutput(), kb)
        return wizard.run(kb, answers or {}, ask=prompter, stdin_text=stdin_text)


def test_pick_scenario_by_questions(kb):
    # start: pick; error: app-context; where: 4th choice (Celery); version: first (flask-task)
    keys = [DOWN + ENTER, ENTER, DOWN * 3 + ENTER, ENTER]
    outcome = run_with_keys(kb, keys)
    (finding,) = outcome.findings
    assert finding.cause_id == "celery-task"
    assert finding.variant == "flask-task"
    assert finding.family == "app-context"


def test_paste_then_only_unsettled_questions_are_asked(kb):
    # start: paste; the paste is a bare message, so only "where" is asked: 3rd choice, threads
    keys = [
        ENTER,
        "RuntimeError: Working outside of application context.",
        "\x1b\r",
        DOWN * 2 + ENTER,
        ENTER,
    ]
    outcome = run_with_keys(kb, keys)
    (finding,) = outcome.findings
    assert finding.cause_id == "background-thread"
    assert finding.variant == "app-data"


def test_piped_traceback_is_explained_without_questions(kb, real_tracebacks):
    outcome = run_with_keys(kb, [], stdin_text=real_tracebacks["thread"])
    assert outcome.findings[0].cause_id == "background-thread"


def test_no_terminal_raises_missing_answer_naming_choices(kb, monkeypatch):
    monkeypatch.setenv("CTXFIX_NO_TTY", "1")
    with pytest.raises(wizard.MissingAnswer) as err:
        wizard.run(kb, {"error": "request-context"}, stdin_text="")
    assert "--answer where-request=CHOICE" in str(err.value)
    assert "streaming-response" in str(err.value)


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_real_terminal_session():
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="100", LINES="40", NO_COLOR="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "diagnose"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""

    def read_until(needle: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while needle not in seen:
            left = end - time.monotonic()
            assert left > 0, f"timed out waiting for {needle!r}; screen: {seen[-600:]!r}"
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break

    try:
        read_until(b"How do you want to start?")
        os.write(master, (DOWN + ENTER).encode())
        read_until(b"Which error do you see?")
        os.write(master, ENTER.encode())
        read_until(b"Where does the failing code run?")
        os.write(master, (DOWN * 6 + ENTER).encode())  # pytest
        read_until(b"pytest-test")
        proc.wait(timeout=20)
        read_until(b"app.app_context()")
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_ctrl_c_exits_130_without_traceback():
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "diagnose"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
        start_new_session=True,
        env=dict(os.environ, TERM="xterm"),
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 20
    while b"How do you want to start?" not in out and time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            out += os.read(master, 65536)
    os.write(master, b"\x03")
    proc.wait(timeout=20)
    try:
        while select.select([master], [], [], 0.5)[0]:
            out += os.read(master, 65536)
    except OSError:
        pass
    os.close(master)
    assert proc.returncode == 130
    assert b"Traceback (most recent call last)" not in out


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_explain_in_a_terminal_asks_what_the_text_cannot_settle(tmp_path):
    import pty

    paste = tmp_path / "paste.txt"
    paste.write_text("RuntimeError: Working outside of application context.\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "explain", str(paste)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
        start_new_session=True,
        env=dict(os.environ, TERM="xterm", COLUMNS="100", LINES="40"),
    )
    os.close(slave)
    seen = b""

    def read_until(needle: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while needle not in seen:
            left = end - time.monotonic()
            assert left > 0, f"timed out waiting for {needle!r}; screen: {seen[-600:]!r}"
            if select.select([master], [], [], left)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break

    try:
        read_until(b"Where does the failing code run?")
        os.write(master, (DOWN * 5 + ENTER).encode())  # scheduled job
        read_until(b"scheduler.app.app_context()")
        proc.wait(timeout=20)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
