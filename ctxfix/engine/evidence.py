"""Evidence: every rule of every cause of the family matched against the facts, and scored."""

from __future__ import annotations

import re
from typing import Optional

from ctxfix.engine._text import clip as _clip
from ctxfix.engine.facts import _Facts
from ctxfix.knowledge import KnowledgeBase, Rule
from ctxfix.read import Frame

THRESHOLD = 5.0
"""A cause is named only when its evidence adds up to this much..."""
MARGIN = 2.0
"""...and beats the runner-up by this much. Otherwise the finding lists candidates."""


def _match(rule: Rule, f: _Facts) -> Optional[str]:
    """The evidence line if ``rule`` matches, else None."""
    if rule.family and f.family not in rule.family:
        return None
    if rule.tags and not all(t in f.tags for t in rule.tags):
        return None
    if rule.no_tags and any(t in f.tags for t in rule.no_tags):
        return None
    subs: dict[str, str] = {}
    if rule.message is not None:
        m = rule.message.search(f.tb.message[:4000])
        if not m:
            return None
        subs["match"] = m.group(0)
    if rule.proxy is not None and not (f.proxy and rule.proxy.search(f.proxy)):
        return None
    if rule.code is not None:
        if f.user is None or not rule.code.search(f.user.code):
            return None
        _name(subs, f.user, first=True)
    if rule.user_frame is not None and not _frame_matches(rule.user_frame, f.user, subs, True):
        return None
    if rule.caller_frame is not None:
        if not _frame_matches(rule.caller_frame, f.caller, subs):
            return None
    if rule.outer_frame is not None:
        if not _frame_matches(rule.outer_frame, f.outer, subs):
            return None
    if rule.frame is not None:
        hit = next((fr for fr in reversed(f.frames) if _frame_ok(rule.frame, fr)), None)
        if hit is None:
            return None
        _name(subs, hit)
    if rule.context is not None:
        line = next((c for c in f.context if rule.context.search(c)), None)
        if line is None:
            return None
        subs["line"] = _clip(line, 100)
    if f.user is not None:
        _name(subs, f.user)
    text = rule.says
    for k, v in subs.items():
        text = text.replace("{" + k + "}", v)
    return text


def _name(subs: dict[str, str], fr: Frame, first: bool = False) -> None:
    """``{frame}`` and ``{code}`` of the evidence line: the first frame a rule matched, unless
    ``first`` (the user's own frame) puts this one ahead."""
    if first:
        subs["frame"], subs["code"] = fr.describe(), fr.code
    else:
        subs.setdefault("frame", fr.describe())
        subs.setdefault("code", fr.code)


def _frame_matches(
    spec: dict[str, re.Pattern], fr: Optional[Frame], subs: dict[str, str], first: bool = False
) -> bool:
    """A rule's patterns for one particular frame (the user's, its caller, the outermost)."""
    if fr is None or not _frame_ok(spec, fr):
        return False
    _name(subs, fr, first)
    return True


def _frame_ok(spec: dict[str, re.Pattern], fr: Frame) -> bool:
    for key, pat in spec.items():
        value = fr.norm_path if key == "path" else fr.function if key == "function" else fr.code
        if not pat.search(value or ""):
            return False
    return True


def _score(
    kb: KnowledgeBase, facts: _Facts
) -> tuple[dict[str, float], dict[str, list[str]], dict[str, dict[str, float]]]:  # noqa: E501
    scores: dict[str, float] = {}
    says: dict[str, list[str]] = {}
    variants: dict[str, dict[str, float]] = {}
    for cause in kb.causes.values():
        if facts.family not in cause.families:
            continue
        total = 0.0
        lines: list[str] = []
        vv: dict[str, float] = {}
        for rule in cause.evidence:
            said = _match(rule, facts)
            if said is None:
                continue
            if rule.variant:
                vv[rule.variant] = vv.get(rule.variant, 0.0) + max(rule.weight, 0.5)
            total += rule.weight
            if rule.weight > 0 and said not in lines:
                lines.append(said)
        scores[cause.id] = total
        says[cause.id] = lines
        variants[cause.id] = vv
    return scores, says, variants
