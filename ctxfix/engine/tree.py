"""The decision tree: answer tree.yaml's questions from the user's answers, the error family and
the evidence scores, and stop at the first question nothing settles."""

from __future__ import annotations

from typing import Optional

from ctxfix._record import Factory, Record
from ctxfix.engine.evidence import MARGIN, THRESHOLD
from ctxfix.knowledge import Choice, KnowledgeBase


class Walk(Record):
    """Where the decision tree ended: a cause, or a question the evidence could not answer."""

    cause: Optional[str]
    variant: Optional[str]
    answered: list[tuple[str, str, str]] = Factory(list)
    pending: Optional[str] = None


def walk(
    kb: KnowledgeBase,
    family: Optional[str],
    answers: Optional[dict[str, str]] = None,
    scores: Optional[dict[str, float]] = None,
    variant_scores: Optional[dict[str, dict[str, float]]] = None,
) -> Walk:
    """Walk the tree from the start, answering each question from ``answers`` (given by the
    user), then from the error family, then from the evidence scores. Stops at the first
    question nothing can answer."""
    answers = answers or {}
    scores = scores or {}
    variant_scores = variant_scores or {}
    result = Walk(None, None)
    qid: Optional[str] = kb.start
    seen: set[str] = set()
    while qid is not None and qid not in seen:
        seen.add(qid)
        q = kb.questions[qid]
        choice, how = _answer(kb, q.id, q.choices, family, answers, scores, variant_scores)
        if choice is None:
            result.pending = qid
            return result
        result.answered.append((qid, choice.label, how))
        if choice.cause:
            result.cause, result.variant = choice.cause, choice.variant
            return result
        qid = choice.next
    return result


def choice_key(choice: Choice, index: int, kb: Optional[KnowledgeBase] = None) -> str:
    """The short name of a choice for --answer.

    Its error family, else its variant or cause, else the one cause its sub-questions lead to,
    else the id of the question it leads to.
    """
    if choice.families:
        return choice.families[0]
    if choice.variant or choice.cause:
        return choice.variant or choice.cause or ""
    if kb is not None:
        under = kb.reachable(choice)
        if len(under) == 1:
            return next(iter(under))
    return choice.next or str(index + 1)


def resolve_answer(
    q_choices: list[Choice], value: str, kb: Optional[KnowledgeBase] = None
) -> Optional[Choice]:
    """Find the choice an --answer value names: its number, its key, a cause it leads to, or
    the start of its label."""
    v = value.strip().lower()
    for i, ch in enumerate(q_choices):
        if v in (str(i + 1), choice_key(ch, i, kb).lower(), (ch.next or "").lower()):
            return ch
    if kb is not None:
        leading = [ch for ch in q_choices if v in kb.reachable(ch)]
        if len(leading) == 1:
            return leading[0]
    for ch in q_choices:
        if len(v) >= 3 and ch.label.lower().strip("\"'`").startswith(v):
            return ch
    return None


def _answer(
    kb: KnowledgeBase,
    qid: str,
    choices: list[Choice],
    family: Optional[str],
    answers: dict[str, str],
    scores: dict[str, float],
    variant_scores: dict[str, dict[str, float]],
) -> tuple[Optional[Choice], str]:
    if qid in answers:
        ch = resolve_answer(choices, answers[qid], kb)
        if ch is not None:
            return ch, "you answered"
    if family:
        fam = [ch for ch in choices if family in ch.families]
        if len(fam) == 1:
            return fam[0], "the error message"
    if not scores:
        return None, ""
    rated = []
    for ch in choices:
        causes = kb.reachable(ch)
        best = max((scores.get(c, 0.0) for c in causes), default=0.0)
        if ch.cause and ch.variant:
            best += variant_scores.get(ch.cause, {}).get(ch.variant, 0.0) * 0.5
        rated.append((best, ch))
    rated.sort(key=lambda x: -x[0])
    top = rated[0][0]
    second = rated[1][0] if len(rated) > 1 else 0.0
    same_cause = len(rated) > 1 and rated[0][1].cause and rated[0][1].cause == rated[1][1].cause
    if same_cause:
        if top > second:
            return rated[0][1], "the evidence"
        return None, ""
    if top >= THRESHOLD and top - second >= MARGIN:
        return rated[0][1], "the evidence"
    return None, ""
