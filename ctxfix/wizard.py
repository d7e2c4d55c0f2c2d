"""`ctxfix diagnose`: ask the tree's questions (questionary), or take them from --answer.

Questions go to the terminal even when stdin carries a traceback (through /dev/tty). With no
terminal, a missing answer raises :class:`MissingAnswer`, which names the question and its
choices: the wizard never waits for input that cannot come.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ctxfix import engine
from ctxfix.engine import Finding, Outcome, choice_key
from ctxfix.knowledge import KnowledgeBase, Question

__all__ = ["MissingAnswer", "Prompter", "run", "settle"]

_STDIN_WAIT = 1.0


class MissingAnswer(Exception):
    """A question has no answer and there is no terminal to ask it on."""

    def __init__(self, q: Question, kb: Optional[KnowledgeBase] = None) -> None:
        keys = ", ".join(choice_key(ch, i, kb) for i, ch in enumerate(q.choices))
        super().__init__(
            f"no terminal to ask “{q.text}”; answer it with --answer {q.id}=CHOICE (CHOICE: {keys})"
        )
        self.question = q


class Prompter:
    """Asks questions with questionary on a given input/output (a terminal, or a test pipe)."""

    def __init__(self, input: Any = None, output: Any = None, kb: Optional[KnowledgeBase] = None):
        self.input = input
        self.output = output
        self.kb = kb

    def _kw(self) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        if self.input is not None:
            kw["input"] = self.input
        if self.output is not None:
            kw["output"] = self.output
        return kw

    def choose(self, q: Question) -> str:
        import questionary

        choices = [
            questionary.Choice(title=ch.label, value=choice_key(ch, i, self.kb))
            for i, ch in enumerate(q.choices)
        ]
        answer = questionary.select(
            q.text, choices=choices, instruction=q.help or None, **self._kw()
        ).unsafe_ask()
        if answer is None:
            raise KeyboardInterrupt
        return str(answer)

    def start(self) -> str:
        import questionary

        answer = questionary.select(
            "How do you want to start?",
            choices=[
                questionary.Choice("Paste the traceback or error message", value="paste"),
                questionary.Choice("Pick the scenario by answering questions", value="pick"),
            ],
            **self._kw(),
        ).unsafe_ask()
        if answer is None:
            raise KeyboardInterrupt
        return str(answer)

    def paste(self) -> str:
        import questionary

        text = questionary.text(
            "Paste it, then press Esc and Enter (or Alt+Enter):", multiline=True, **self._kw()
        ).unsafe_ask()
        if text is None:
            raise KeyboardInterrupt
        return str(text)


@contextmanager
def _terminal(kb: Optional[KnowledgeBase] = None) -> Iterator[Optional[Prompter]]:
    """A prompter on the user's terminal, or None when there is none."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        yield Prompter(kb=kb)
        return
    if os.name != "posix" or os.environ.get("CTXFIX_NO_TTY"):
        yield None
        return
    try:
        tty = open("/dev/tty", "r+b", buffering=0)  # noqa: SIM115
    except OSError:
        yield None
        return
    try:
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        fd = os.fdopen(os.dup(tty.fileno()), "r", encoding="utf-8", errors="replace")
        out = os.fdopen(os.dup(tty.fileno()), "w", encoding="utf-8", errors="replace")
        try:
            yield Prompter(create_input(stdin=fd), create_output(stdout=out), kb)
        finally:
            fd.close()
            out.close()
    finally:
        tty.close()


def _stdin_text() -> str:
    """The traceback on stdin, if one is being piped in; never blocks on an idle pipe."""
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    try:
        import select

        ready, _, _ = select.select([sys.stdin], [], [], _STDIN_WAIT)
        if not ready:
            return ""
    except (OSError, ValueError, TypeError):
        pass
    try:
        return sys.stdin.read(20 * 1024 * 1024)
    except (OSError, ValueError):
        return ""


def _from_answers(kb: KnowledgeBase, answers: dict[str, str], ask: Optional[Prompter]) -> Finding:
    """Walk the tree from the start, asking what the answers do not cover."""
    answers = dict(answers)
    while True:
        w = engine.walk(kb, None, answers)
        if w.cause is not None:
            break
        assert w.pending is not None
        q = kb.questions[w.pending]
        if ask is None:
            raise MissingAnswer(q, kb)
        answers[q.id] = ask.choose(q)
    family = _family_of(kb, answers)
    cause = kb.causes[w.cause]
    return Finding(
        family=family if family in cause.families else cause.families[0],
        exc_type=None,
        message="",
        proxy=None,
        location=None,
        cause=cause,
        variant=w.variant,
        candidates=[],
        evidence=[
            f"you answered “{kb.questions[q].text}” with “{label}”"
            for q, label, how in w.answered
            if how == "you answered"
        ],
        answered=w.answered,
    )


def _family_of(kb: KnowledgeBase, answers: dict[str, str]) -> str:
    first = kb.questions[kb.start]
    if first.id in answers:
        from ctxfix.engine import resolve_answer

        ch = resolve_answer(first.choices, answers[first.id], kb)
        if ch is not None and ch.families:
            return ch.families[0]
    return "app-context"


def settle(
    kb: KnowledgeBase, finding: Finding, answers: dict[str, str], ask: Optional[Prompter] = None
) -> Finding:
    """Ask the questions a finding left open, until its cause (and variant) is settled."""
    answers = dict(answers)
    current = finding
    with _terminal(kb) if ask is None else _nullctx(ask) as prompter:
        while current.pending:
            q = kb.questions[current.pending]
            if q.id in answers:
                break
            if prompter is None:
                raise MissingAnswer(q, kb)
            answers[q.id] = prompter.choose(q)
            current = engine.reconsider(kb, finding, answers)
    return current


@contextmanager
def _nullctx(value: Any) -> Iterator[Any]:
    yield value


def run(
    kb: KnowledgeBase,
    answers: dict[str, str],
    ask: Optional[Prompter] = None,
    stdin_text: Optional[str] = None,
) -> Outcome:
    """The whole wizard: read a piped traceback or offer to paste one, then ask what is left."""
    text = _stdin_text() if stdin_text is None else stdin_text
    with _terminal(kb) if ask is None else _nullctx(ask) as prompter:
        if not text.strip() and prompter is not None and not answers:
            if prompter.start() == "paste":
                text = prompter.paste()
        if text.strip():
            outcome = engine.explain_lines(kb, text.splitlines())
            if outcome.findings:
                first = (
                    engine.reconsider(kb, outcome.findings[0], answers)
                    if answers
                    else (outcome.findings[0])
                )
                settled = settle(kb, first, answers, prompter) if first.pending else first
                if settled.pending and settled.pending not in answers and prompter is None:
                    raise MissingAnswer(kb.questions[settled.pending], kb)
                outcome.findings = [settled]
                return outcome
        finding = _from_answers(kb, answers, prompter)
    return Outcome([finding], 0, [])
