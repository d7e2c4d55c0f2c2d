"""Turn tracebacks into diagnoses by weighing evidence and walking the decision tree.

The engine knows Flask: which messages mean which error family, which frames belong to Flask and
its extensions, and how to tell the Flask version from what was printed. What each scenario looks
like lives in the knowledge (evidence rules in each cause.yaml); the engine only scores them and
walks ``tree.yaml``. It returns plain records and never prints: ctxfix.render draws them.

- :mod:`~ctxfix.engine.families`: the families' signs (knowledge/families.yaml) as matchers;
- :mod:`~ctxfix.engine.detect`: the family of a traceback;
- :mod:`~ctxfix.engine.frames`: whose frame is whose, the user's frame, the name that failed;
- :mod:`~ctxfix.engine.facts`: tags and the Flask version, for evidence rules to weigh;
- :mod:`~ctxfix.engine.evidence`: rules matched and scored;
- :mod:`~ctxfix.engine.tree`: the decision tree;
- here: findings, diagnose, the streaming Explainer, grouping.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ctxfix._record import Factory, Record, replace
from ctxfix.engine._text import clip as _clip
from ctxfix.engine._text import dedupe as _dedupe
from ctxfix.engine.detect import bare_messages, detect_family, family_from_cut, family_from_frames
from ctxfix.engine.evidence import MARGIN, THRESHOLD, _match, _score
from ctxfix.engine.facts import _flask_version, facts_for
from ctxfix.engine.frames import (
    _CODE_FLASKISH,
    _detect_proxy,
    _find_user,
    _is_flask_internal,
    _is_user,
)
from ctxfix.engine.tree import Walk, choice_key, resolve_answer, walk
from ctxfix.knowledge import Cause, KnowledgeBase, Pattern
from ctxfix.read import Frame, Traceback
from ctxfix.read.clean import Lazy

__all__ = [
    "Explainer",
    "reconsider",
    "choice_key",
    "resolve_answer",
    "Finding",
    "Location",
    "Outcome",
    "Walk",
    "detect_family",
    "bare_messages",
    "explain_lines",
    "explain_text",
    "group",
    "walk",
]


class Location(Record):
    """The user's own line the error came through."""

    path: str
    line: Optional[int]
    function: str
    code: str

    @classmethod
    def of(cls, frame: Frame) -> Location:
        return cls(frame.path, frame.line, frame.function, frame.code)


class Finding(Record):
    """One Flask context error found in the input, with what ctxfix concluded about it."""

    family: str
    exc_type: Optional[str]
    message: str
    proxy: Optional[str]
    location: Optional[Location]
    cause: Optional[Cause]
    variant: Optional[str]
    candidates: list[str]
    evidence: list[str]
    frame_reasons: list[str] = Factory(list)
    flask_version: Optional[str] = None
    pending: Optional[str] = None
    answered: list[tuple[str, str, str]] = Factory(list)
    occurrences: int = 1
    first_line: int = 0
    last_line: int = 0
    source: Optional[str] = None
    truncated: bool = False
    scores: dict[str, float] = Factory(dict)
    variant_scores: dict[str, dict[str, float]] = Factory(dict)
    placed: bool = True
    """False when nothing in the text shows where the code ran (a message alone): the scores
    then only rank the candidates."""
    user_frames: list[Location] = Factory(list)
    """Every frame of the user's own code, outermost first (their names fill the snippets)."""
    frames: list[Frame] = Factory(list)
    """Every frame of the traceback, outermost first (what a patch is built from)."""
    more_frames: list[list[Frame]] = Factory(list)
    """The frames of occurrences grouped into this one that came another way (other tests
    calling the same helper, say), up to MORE_FRAMES: a patch fixes each of them."""

    @property
    def cause_id(self) -> Optional[str]:
        return self.cause.id if self.cause is not None else None

    @property
    def headline(self) -> str:
        return self.message.strip().splitlines()[0].strip() if self.message.strip() else ""

    def key(self) -> tuple:
        loc = self.location
        return (
            self.cause_id,
            self.variant,
            self.family,
            self.proxy,
            (loc.path, loc.line) if loc else None,
            None if loc else self.headline[:80],
        )


class Outcome(Record):
    """Everything explain found in one input: findings, plus what else it saw."""

    findings: list[Finding]
    tracebacks: int
    other_errors: list[str]
    truncated: int = 0
    dropped: int = 0
    """Occurrences of errors unlike every one kept, past MAX_KEPT distinct ones: counted only."""


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Evidence


# ---------------------------------------------------------------------------------------------
# The tree


# ---------------------------------------------------------------------------------------------


MAX_KEPT = 1000
"""Distinct findings one input keeps; later new ones are only counted (memory stays bounded)."""
_MAX_CACHED = 4000


class Explainer:
    """Streams lines in, findings out: the engine behind explain, `run` and the pytest plugin."""

    def __init__(self, kb: KnowledgeBase, project_root: Optional[str] = None) -> None:
        self.kb = kb
        self.project_root = project_root
        self.reader = bare_messages(kb)
        self.tracebacks = 0
        self.truncated = 0
        self.other_errors: list[str] = []
        # Logs repeat the same traceback many times: diagnose each distinct one once. Keys are
        # hashes, so the cache holds no input text. The log lines around a traceback are only
        # compared (their patterns compiled) when a traceback comes again.
        self._first: dict[int, tuple[list[str], Optional[Finding]]] = {}
        self._seen: dict[tuple[int, tuple], Optional[Finding]] = {}
        self._kept: set[tuple] = set()
        self.dropped = 0
        # The log lines before a traceback count only through evidence rules and family signs
        # with `context`.
        seen_pats: dict[str, Pattern] = {}
        for cause in kb.causes.values():
            for rule in cause.evidence:
                if rule.context is not None:
                    seen_pats.setdefault(rule.context.pattern, rule.context)
        for signs in kb.signs.values():
            for sign in signs.context:
                if sign.line is not None:
                    seen_pats.setdefault(sign.line.pattern, sign.line)
        self._context_patterns = tuple(seen_pats.values())
        # Set to a list by a reader of the second half of a log: pytest summary records wait
        # there until the first half's reader says whether it saw their error (take_over).
        self.held: Optional[list[Traceback]] = None

    def feed(self, line: str) -> list[Finding]:
        """Read one line; return the findings it completes."""
        return self._diagnose_all(self.reader.feed(line))

    def close(self) -> list[Finding]:
        """Finish the input; return the findings still open."""
        return self._diagnose_all(self.reader.close())

    def release(self) -> list[Finding]:
        """Findings of records the reader can hand out now (see TracebackReader.release)."""
        return self._diagnose_all(self.reader.release())

    def hand_over(self, found: list[Finding]) -> dict:
        """What this explainer found, as plain picklable data for :meth:`take_over`.

        Used by the process that read the second half of a big log (:mod:`ctxfix.read.parallel`).
        Causes travel as ids; pytest summary records held back travel as records.
        """
        return {
            "found": [(replace(f, cause=None), f.cause_id) for f in found],
            "tracebacks": self.tracebacks,
            "truncated": self.truncated,
            "dropped": self.dropped,
            "other_errors": self.other_errors,
            "held": self.held or [],
            "lines": self.reader.lineno,
        }

    def take_over(self, part: dict, line_offset: int) -> list[Finding]:
        """Add what another explainer read after this one stopped, ``line_offset`` lines in.

        Returns its findings with line numbers counted from the start of the whole input. Its
        held-back pytest summary lines are dropped when this explainer read their error
        already, as one reader going through the whole input would have done.
        """
        out = []
        for f, cause_id in part["found"]:
            f.cause = self.kb.causes.get(cause_id) if cause_id else None
            f.first_line += line_offset
            f.last_line += line_offset
            if self._keeps(f):
                out.append(f)
        self.tracebacks += part["tracebacks"]
        self.truncated += part["truncated"]
        self.dropped += part["dropped"]
        self.other_errors.extend(part["other_errors"][: max(0, 20 - len(self.other_errors))])
        kept = []
        for tb in part["held"]:
            if not self.reader.seen_before(tb.message):
                tb.start_line += line_offset
                tb.end_line += line_offset
                kept.append(tb)
        out.extend(self._diagnose_all(kept))
        self.reader.skip(part["lines"])  # the reader ends on the last line, as one pass would
        return out

    def _diagnose_all(self, tbs: list[Traceback]) -> list[Finding]:
        out = []
        for tb in tbs:
            if self.held is not None and tb.shape == "pytest-summary":
                self.held.append(tb)
                continue
            self.tracebacks += 1
            f = self._diagnosis(tb)
            if f is not None:
                if self._keeps(f):
                    out.append(f)
            elif tb.truncated:
                self.truncated += 1
            elif tb.exc_type and len(self.other_errors) < 20:
                head = f"{tb.exc_type}: {tb.first_message_line}" if tb.message else tb.exc_type
                self.other_errors.append(_clip(head, 90))
        return out

    def _diagnosis(self, tb: Traceback) -> Optional[Finding]:
        """The diagnosis of ``tb``, from the cache when the same traceback came before."""
        key = _identity(tb)
        first = self._first.get(key)
        if first is None:
            f = diagnose(self.kb, tb, project_root=self.project_root)
            if len(self._first) < _MAX_CACHED:
                self._first[key] = (_context_lines(tb.context), f)
            return f
        full = (key, _context_key(tb.context, self._context_patterns))
        if full not in self._seen:
            first_full = (key, _context_key(first[0], self._context_patterns))
            self._seen.setdefault(first_full, first[1])
        if full in self._seen:
            known = self._seen[full]
            if known is None:
                return None
            return replace(known, first_line=tb.start_line, last_line=tb.end_line, occurrences=1)
        f = diagnose(self.kb, tb, project_root=self.project_root)
        if len(self._seen) < _MAX_CACHED:
            self._seen[full] = f
        return f

    def _keeps(self, f: Finding) -> bool:
        """Whether a finding is kept: one like it was, or fewer than MAX_KEPT unlike ones."""
        k = f.key()
        if k in self._kept:
            return True
        if len(self._kept) >= MAX_KEPT:
            self.dropped += f.occurrences
            return False
        self._kept.add(k)
        return True


# Numbers, and ids made of dash-joined hex groups (Celery task ids are UUIDs).
_DIGITS = Lazy(r"\b[0-9a-fA-F]+(?:-[0-9a-fA-F]+){3,}\b|\d+")


def _identity(tb: Traceback) -> int:
    """What a diagnosis depends on, but for the log lines around it (see _context_key)."""
    return hash(
        (
            tuple((f.path, f.line, f.function, f.code) for f in tb.all_frames()),
            tb.exc_type,
            tb.message[:400],
            tuple((t, m[:400]) for t, m, _ in tb.chain),
            tb.truncated,
            tb.shape,
        )
    )


def _context_key(context: list[str], patterns: tuple[Pattern, ...]) -> tuple:
    """What a diagnosis takes from the log lines around a traceback.

    Only the first line each ``context`` pattern (of an evidence rule or a family sign) finds
    matters, with its numbers and ids ignored, so timestamps do not count: an access-log line in
    front of each copy of the same error does not make it a new one.
    """
    lines = _context_lines(context)
    return tuple(next((_DIGITS.sub("0", c) for c in lines if p.search(c)), None) for p in patterns)


def _context_lines(context: list[str]) -> list[str]:
    """The part of the lines around a traceback its cache key reads (bounded memory)."""
    return [c[:400] for c in context[-30:]]


_FLASK_PATH = Lazy(r"[/\\](?:flask|werkzeug|flask_\w+)[/\\][\w/\\]*\.py\b|\bflask\.ext\.\w")
"""A path into Flask, Werkzeug or an extension, or an old `flask.ext.` import, in a log line."""


def diagnose(
    kb: KnowledgeBase,
    tb: Traceback,
    answers: Optional[dict[str, str]] = None,
    project_root: Optional[str] = None,
) -> Optional[Finding]:
    """Diagnose one traceback; None when it is not a Flask context error."""
    family, family_why = detect_family(tb, kb)
    frames = tb.all_frames()
    user, loc_frame, reasons = _find_user(frames, project_root)
    guessed = False
    if family is None:
        if not tb.truncated:
            return None
        cut = family_from_cut(tb, kb, user or loc_frame)
        if cut is not None:
            family, family_why = cut
        else:
            family = family_from_frames(tb, kb)
            guessed = True
    proxy, proxy_why = _detect_proxy(tb, family, user or loc_frame)
    # With no frame of the user's own, the innermost caller of Flask stands in for it: that is
    # the code that set things up (often an app packaged into site-packages).
    subject = user or loc_frame
    facts = facts_for(tb, family, proxy, subject, frames, project_root, yours=user is not None)
    scores, says, vscores = _score(kb, facts)
    # A message with no frames and no log lines around it cannot tell where the code ran:
    # the evidence only ranks candidates, and the cause stays open. pytest's report of it (the
    # `E   ` lines of a failure or an error) says the code ran in a test.
    placed = (
        bool(frames)
        or tb.e_lines
        or any(
            rule.context is not None and _match(rule, facts) is not None
            for cause in kb.causes.values()
            if family in cause.families
            for rule in cause.evidence
        )
    )

    if guessed:
        # A cut-off traceback counts only when Flask's world is in it: a frame of Flask,
        # Werkzeug, an extension or a library that runs Flask code (Celery, RQ, APScheduler...),
        # a line using a context name, or Flask's own warnings printed right above it (its
        # flask/exthook.py, an extension's path); and only when some cause's evidence is strong.
        flaskish = any(
            _is_flask_internal(f.norm_path) or re.search(_CODE_FLASKISH, f.code or "")
            for f in frames
        ) or any(_FLASK_PATH.search(c) for c in tb.context)
        if not flaskish or max(scores.values(), default=0.0) < THRESHOLD:
            return None

    w = walk(kb, family, answers, scores if placed else {}, vscores)
    # Causes the evidence cannot separate come in the order the wizard offers them.
    order = kb.wizard_rank()
    ranked = sorted(
        (c for c in scores if scores[c] > 0), key=lambda c: (-scores[c], order.get(c, len(order)))
    )
    cause_id, variant = w.cause, w.variant
    if cause_id is None and ranked and placed and not (answers and w.pending):
        top = scores[ranked[0]]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if top >= THRESHOLD and top - second >= MARGIN:
            cause_id = ranked[0]
    if cause_id is not None and variant is None:
        vv = vscores.get(cause_id, {})
        if vv:
            variant = max(vv, key=lambda k: vv[k])
    cause = kb.causes.get(cause_id) if cause_id else None

    evidence = list(family_why)
    if guessed:
        evidence = [f"the paste ends before its error line; the frames point to a {family} error"]
    if not placed and cause is None:
        evidence.append(
            "the paste holds the message but nothing of where the code ran (no frames, no log "
            "lines): the whole traceback, or your answer to the question below, settles it"
        )
    if proxy:
        evidence.append(f"the failing name is {proxy}: {proxy_why}")
    version, version_why = _flask_version(tb, family)
    if version_why:
        evidence.append(version_why)
    if cause is not None:
        evidence.extend(says.get(cause.id, []))
    else:
        for c in ranked[:3]:
            evidence.extend(says.get(c, [])[:2])
    candidates = ranked[:5]
    if cause is None and not candidates and w.pending:
        in_family = {c.id for c in kb.causes.values() if family in c.families}
        candidates = [c for c in kb.causes_in_order(w.pending) if c in in_family]
    pending = None
    if cause is None:
        pending = w.pending
    elif variant is None and cause.variants:
        pending = w.pending
    return Finding(
        family=family,
        exc_type=tb.exc_type or ("RuntimeError" if not guessed else None),
        message=tb.message,
        proxy=proxy,
        location=Location.of(loc_frame) if loc_frame is not None else None,
        cause=cause,
        variant=variant,
        candidates=candidates,
        evidence=_dedupe(evidence),
        frame_reasons=reasons,
        flask_version=version,
        pending=pending,
        answered=w.answered,
        first_line=tb.start_line,
        last_line=tb.end_line,
        truncated=tb.truncated,
        scores={c: round(s, 2) for c, s in scores.items() if s},
        variant_scores={c: v for c, v in vscores.items() if v},
        placed=placed,
        user_frames=[Location.of(fr) for fr in frames if _is_user(fr, project_root)[0]],
        frames=frames,
    )


def reconsider(kb: KnowledgeBase, f: Finding, answers: dict[str, str]) -> Finding:
    """The same finding, with the user's answers to the tree's questions taken into account."""
    w = walk(kb, f.family, answers, f.scores if f.placed else {}, f.variant_scores)
    new = replace(f, evidence=list(f.evidence), answered=w.answered)
    for qid, label, how in w.answered:
        if how == "you answered":
            new.evidence.append(f"you answered “{kb.questions[qid].text}” with “{label}”")
    if w.cause is not None:
        same = f.cause is not None and f.cause.id == w.cause
        new.cause = kb.causes[w.cause]
        new.variant = w.variant or (f.variant if same else None)
        new.pending = None
    else:
        new.pending = w.pending if (f.cause is None or f.variant is None) else None
    new.evidence = _dedupe(new.evidence)
    return new


def explain_lines(
    kb: KnowledgeBase, lines: Iterable[str], project_root: Optional[str] = None
) -> Outcome:
    """Explain every context error in ``lines`` (streamed), grouping identical ones."""
    ex = Explainer(kb, project_root)
    found: list[Finding] = []
    for line in lines:
        found.extend(ex.feed(line))
    found.extend(ex.close())
    return Outcome(group(found), ex.tracebacks, ex.other_errors, ex.truncated, ex.dropped)


def explain_text(text: str, kb: KnowledgeBase, project_root: Optional[str] = None) -> list[Finding]:
    """Explain every context error in ``text``; identical errors are grouped with a count."""
    return explain_lines(kb, text.splitlines(), project_root).findings


MORE_FRAMES = 50


def group(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings with the same cause, location and proxy, keeping first and last lines."""
    out: dict[tuple, Finding] = {}
    for f in findings:
        k = f.key()
        if k in out:
            g = out[k]
            g.occurrences += f.occurrences
            g.last_line = max(g.last_line, f.last_line)
            g.first_line = min(g.first_line, f.first_line)
            for frames in (f.frames, *f.more_frames):
                if len(g.more_frames) < MORE_FRAMES and frames != g.frames:
                    if frames not in g.more_frames:
                        # a new list: copies of one cached diagnosis share the old one
                        g.more_frames = [*g.more_frames, frames]
        else:
            out[k] = f
    return list(out.values())
