"""The diagnose wizard: questionary through a pipe input, and once in a real pseudo-terminal."""

from __future__ import annotations

import os

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from pty_session import Terminal

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


def _to_where(term: Terminal) -> None:
    """Start the wizard by picking, answer app-context, and wait for "Where ...?"."""
    term.read_until(b"How do you want to start?")
    term.type(DOWN + ENTER)
    term.read_until(b"Which error do you see?")
    term.type(ENTER)
    term.read_until(b"Where does the failing code run?")


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_real_terminal_session():
    term = Terminal("diagnose")
    try:
        _to_where(term)
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


UP, ESC = "\x1b[A", "\x1b"


class Recorder(wizard.Prompter):
    """A prompter that also keeps what the wizard said."""

    def __init__(self, pipe, kb) -> None:
        super().__init__(pipe, DummyOutput(), kb)
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


def run_recorded(kb, keys: list[str], answers=None):
    with create_pipe_input() as pipe:
        for k in keys:
            pipe.send_text(k)
        prompter = Recorder(pipe, kb)
        return wizard.run(kb, answers or {}, ask=prompter, stdin_text=""), prompter


def test_every_question_offers_not_sure_and_back(kb):
    seen = []

    class Spy(wizard.Prompter):
        def choose(self, q, back=True):
            seen.append((q.id, back))
            return wizard.NOT_SURE if q.id == "thread-data" else super().choose(q, back)

    with create_pipe_input() as pipe:
        # start: pick; error: app-context; where: threads; thread-data: not sure (the spy)
        for k in [DOWN + ENTER, ENTER, DOWN * 2 + ENTER]:
            pipe.send_text(k)
        outcome = wizard.run(kb, {}, ask=Spy(pipe, DummyOutput(), kb), stdin_text="")
    assert seen == [("error", True), ("where", True), ("thread-data", True)]
    seen.clear()
    with create_pipe_input() as pipe:
        pipe.send_text(DOWN * 2 + ENTER)  # given the error, nothing to go back to at "where"
        wizard.run(kb, {"error": "app-context"}, ask=Spy(pipe, DummyOutput(), kb), stdin_text="")
    assert seen == [("where", False), ("thread-data", True)]
    (finding,) = outcome.findings
    assert finding.cause is None and finding.pending == "thread-data"
    assert finding.candidates == ["background-thread"]


def test_not_sure_leaves_the_cause_open_with_what_it_could_be(kb):
    # start: pick; error: app-context; where: scroll past the 11 choices and the separator
    outcome, _ = run_recorded(kb, [DOWN + ENTER, ENTER, UP * 2 + ENTER])
    (finding,) = outcome.findings
    assert finding.cause is None
    assert finding.pending == "where"
    assert set(finding.candidates) == kb.causes_under("where")
    assert finding.family == "app-context"


def test_back_and_esc_undo_the_last_answer(kb):
    # error: request-context, then Back to error; app-context; where: Esc back to error;
    # app-context again; where: 4th (celery); celery-version: first
    keys = [DOWN + ENTER, DOWN * 2 + ENTER, UP + ENTER, ENTER, ESC, ENTER, DOWN * 3 + ENTER, ENTER]
    outcome, _ = run_recorded(kb, keys)
    (finding,) = outcome.findings
    assert finding.cause_id == "celery-task"
    assert finding.family == "app-context"


def test_back_from_the_first_question_returns_to_the_start(kb):
    # start: pick; error: Back (last entry) -> start again: pick; error: url-adapter
    outcome, _ = run_recorded(kb, [DOWN + ENTER, UP + ENTER, DOWN + ENTER, DOWN * 3 + ENTER])
    assert outcome.findings[0].cause_id == "url-for-no-server-name"


def test_a_paste_it_cannot_read_says_so_and_starts_again(kb):
    keys = [ENTER, "KeyError: 'user_id'", "\x1b\r", DOWN + ENTER, DOWN * 3 + ENTER]
    outcome, prompter = run_recorded(kb, keys)
    assert prompter.said == [
        "ctxfix cannot read a Flask context error in that paste: 1 traceback or error found, "
        "none is a Flask context error: KeyError: 'user_id'. Paste it again, or answer "
        "questions instead."
    ]
    assert outcome.findings[0].cause_id == "url-for-no-server-name"


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_esc_goes_back_in_a_real_terminal():
    term = Terminal("diagnose")
    try:
        _to_where(term)
        assert b"Not sure" in term.seen and b"Back" in term.seen
        mark = len(term.seen)
        term.type(ESC)
        term.read_until(b"Which error do you see?", start=mark)
        term.type(DOWN * 3 + ENTER)  # url-adapter
        term.read_until(b"url-for-no-server-name")
        term.proc.wait(timeout=20)
        assert term.proc.returncode == 0
    finally:
        term.close()
