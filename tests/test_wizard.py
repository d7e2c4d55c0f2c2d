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

    def read_until(self, needle: bytes, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while needle not in self.seen:
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
    term = Terminal("diagnose")
    try:
        term.read_until(b"How do you want to start?")
        term.type(DOWN + ENTER)
        term.read_until(b"Which error do you see?")
        term.type(ENTER)
        term.read_until(b"Where does the failing code run?")
        term.type(DOWN * 6 + ENTER)  # pytest
        term.read_until(b"pytest-test")
        term.proc.wait(timeout=20)
        term.read_until(b"app.app_context()")
        assert term.proc.returncode == 0
    finally:
        term.close()


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_ctrl_c_exits_130_without_traceback():
    term = Terminal("diagnose")
    try:
        term.read_until(b"How do you want to start?")
        term.type("\x03")
        term.proc.wait(timeout=20)
        term.drain()
        assert term.proc.returncode == 130
        assert b"Traceback (most recent call last)" not in term.seen
    finally:
        term.close()


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_explain_in_a_terminal_asks_what_the_text_cannot_settle(tmp_path):
    paste = tmp_path / "paste.txt"
    paste.write_text("RuntimeError: Working outside of application context.\n")
    term = Terminal("explain", str(paste))
    try:
        term.read_until(b"Where does the failing code run?")
        term.type(DOWN * 5 + ENTER)  # scheduled job
        term.read_until(b"scheduler.app.app_context()")
        term.proc.wait(timeout=20)
        assert term.proc.returncode == 0
    finally:
        term.close()
