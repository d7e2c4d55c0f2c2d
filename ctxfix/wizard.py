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

__all__ = ["BACK", "NOT_SURE", "MissingAnswer", "Prompter", "run", "settle"]

_STDIN_WAIT = 1.0

BACK = "\x00back"
"""What :meth:`Prompter.choose` returns for "Back" (or Esc): undo the last answer."""
NOT_SURE = "\x00not-sure"
"""What :meth:`Prompter.choose` returns for "Not sure": stop asking, leave the cause open."""


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

    def choose(self, q: Question, back: bool = True) -> str:
        """The key of the chosen answer, :data:`NOT_SURE`, or :data:`BACK` (also for Esc) when
        ``back`` says there is somewhere to go back to."""
        import questionary
        from prompt_toolkit.keys import Keys

        choices: list[Any] = [
            questionary.Choice(title=ch.label, value=choice_key(ch, i, self.kb))
            for i, ch in enumerate(q.choices)
        ]
        choices.append(questionary.Separator())
        choices.append(questionary.Choice("Not sure (show what it could be)", value=NOT_SURE))
        if back:
            choices.append(questionary.Choice("Back", value=BACK))
        question = questionary.select(
            q.text,
            choices=choices,
            instruction=(q.help + " " if q.help else "") + ("(Esc goes back)" if back else ""),
            **self._kw(),
        )
        if back:

            @question.application.key_bindings.add(Keys.Escape, eager=True)
            def _back(event: Any) -> None:
                event.app.exit(result=BACK)

        answer = question.unsafe_ask()
        if answer is None:
            raise KeyboardInterrupt
        return str(answer)

    def say(self, text: str) -> None:
        """A line for the person answering, where the questions are shown."""
        if self.output is not None:
            self.output.write(text + "\n")
            self.output.flush()
        else:
            print(text, flush=True)

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


def _from_answers(
    kb: KnowledgeBase, answers: dict[str, str], ask: Optional[Prompter], back: bool = False
) -> Optional[Finding]:
    """Walk the tree from the start, asking what the answers do not cover.

    With ``back`` (there is a start to go back to), None when the person goes back from the
    first question asked.
    """
    answers = dict(answers)
    asked: list[str] = []
    while True:
        w = engine.walk(kb, None, answers)
        if w.cause is not None:
            break
        assert w.pending is not None
        q = kb.questions[w.pending]
        if ask is None:
            raise MissingAnswer(q, kb)
        answer = ask.choose(q, back=back or bool(asked))
        if answer == BACK:
            if not asked:
                return None
            del answers[asked.pop()]
        elif answer == NOT_SURE:
            return _open(kb, answers, q.id)
        else:
            answers[q.id] = answer
            asked.append(q.id)
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
        evidence=_answered(kb, w.answered),
        answered=w.answered,
    )


def _answered(kb: KnowledgeBase, answered: list[tuple[str, str, str]]) -> list[str]:
    return [
        f"you answered “{kb.questions[q].text}” with “{label}”"
        for q, label, how in answered
        if how == "you answered"
    ]


def _open(kb: KnowledgeBase, answers: dict[str, str], qid: str) -> Finding:
    """What "Not sure" at question ``qid`` ends on: the causes still possible, unsettled."""
    w = engine.walk(kb, None, answers)
    return Finding(
        family=_family_of(kb, answers),
        exc_type=None,
        message="",
        proxy=None,
        location=None,
        cause=None,
        variant=None,
        candidates=kb.causes_in_order(qid),
        evidence=_answered(kb, w.answered),
        answered=w.answered,
        pending=qid,
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
    kb: KnowledgeBase,
    finding: Finding,
    answers: dict[str, str],
    ask: Optional[Prompter] = None,
    back: bool = False,
) -> Finding:
    """Ask the questions a finding left open, until its cause (and variant) is settled.

    "Not sure" leaves the rest open. "Back" undoes the last answer; with ``back``, going back
    from the first question raises :class:`_Back` (the wizard returns to where it started).
    """
    answers = dict(answers)
    asked: list[str] = []
    current = finding
    with _terminal(kb) if ask is None else _nullctx(ask) as prompter:
        while current.pending:
            q = kb.questions[current.pending]
            if q.id in answers:
                break
            if prompter is None:
                raise MissingAnswer(q, kb)
            answer = prompter.choose(q, back=back or bool(asked))
            if answer == NOT_SURE:
                break
            if answer == BACK:
                if not asked:
                    raise _Back
                del answers[asked.pop()]
            else:
                answers[q.id] = answer
                asked.append(q.id)
            current = engine.reconsider(kb, finding, answers) if asked else finding
    return current


class _Back(Exception):
    """The person went back from the first question the wizard asked."""


@contextmanager
def _nullctx(value: Any) -> Iterator[Any]:
    yield value


def run(
    kb: KnowledgeBase,
    answers: dict[str, str],
    ask: Optional[Prompter] = None,
    stdin_text: Optional[str] = None,
) -> Outcome:
    """The whole wizard: read a piped traceback or offer to paste one, then ask what is left.

    "Back" at the first question returns to the start; a paste with no Flask context error in
    it is said to be so, and the wizard starts again.
    """
    text = _stdin_text() if stdin_text is None else stdin_text
    with _terminal(kb) if ask is None else _nullctx(ask) as prompter:
        while True:
            interactive = prompter is not None and not answers
            pasted = False
            if not text.strip() and interactive:
                assert prompter is not None
                if prompter.start() == "paste":
                    text, pasted = prompter.paste(), True
            if text.strip():
                outcome = engine.explain_lines(kb, text.splitlines())
                if outcome.findings:
                    try:
                        return _settled(kb, outcome, answers, prompter, back=interactive)
                    except _Back:
                        text = ""
                        continue
                if prompter is not None:
                    from ctxfix.render.model import summary_line

                    where = "that paste" if pasted else "what stdin carried"
                    then = "Paste it again, or answer questions instead." if pasted else ""
                    prompter.say(
                        f"ctxfix cannot read a Flask context error in {where}: "
                        f"{summary_line(outcome)}. {then}".rstrip()
                    )
                text = ""
                if pasted:
                    continue
            finding = _from_answers(kb, answers, prompter, back=interactive)
            if finding is not None:
                return Outcome([finding], 0, [])


def _settled(
    kb: KnowledgeBase,
    outcome: Outcome,
    answers: dict[str, str],
    prompter: Optional[Prompter],
    back: bool,
) -> Outcome:
    """The first finding of a pasted traceback, with what it left open asked."""
    first = outcome.findings[0]
    if answers:
        first = engine.reconsider(kb, first, answers)
    settled = settle(kb, first, answers, prompter, back=back) if first.pending else first
    if settled.pending and settled.pending not in answers and prompter is None:
        raise MissingAnswer(kb.questions[settled.pending], kb)
    outcome.findings = [settled]
    return outcome
