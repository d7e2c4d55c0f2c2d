"""Which error family a traceback belongs to, read from the signs in knowledge/families.yaml.

Every wording of every family lives in families.yaml; this module only turns those signs into
matchers: plain substring phrases (cheaper than regular expressions, which would cost more to
compile than a whole diagnosis takes), regular expressions compiled on first use, frame signs
for pastes that end before their error line, and symptoms (other exceptions that mean a family).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from ctxfix._record import Record

if TYPE_CHECKING:
    from ctxfix.knowledge import FamilySigns, KnowledgeBase, Pattern, Sign
    from ctxfix.read import Frame, Traceback

__all__ = ["Detected", "FamilyFinder", "finder"]


class _Match:
    """The part of re.Match the reader and the engine use."""

    __slots__ = ("string", "_start", "_end")

    def __init__(self, string: str, start: int, end: int) -> None:
        self.string, self._start, self._end = string, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _: int = 0) -> str:
        return self.string[self._start : self._end]


class _Wordings:
    """Finds the earliest of some lower-case phrases and regular expressions in a text,
    ignoring case (like re.search)."""

    def __init__(self, phrases: Iterable[str], patterns: Iterable[Pattern] = ()) -> None:
        given = tuple(patterns)
        self.phrases = tuple(phrases)
        self.patterns = tuple(p.pattern for p in given)
        self._rx: Optional[re.Pattern] = None
        self._needs: Optional[tuple[str, ...]] = None
        needs = [p.words() for p in given]
        if needs and all(needs):
            self._needs = tuple(w for n in needs for w in n)  # type: ignore[union-attr]

    def search(self, text: str) -> Optional[_Match]:
        low = text.lower()
        best: Optional[tuple[int, int]] = None
        for ph in self.phrases:
            i = low.find(ph)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, i + len(ph))
        if self.patterns and (self._needs is None or any(w in low for w in self._needs)):
            if self._rx is None:
                self._rx = re.compile("|".join(f"(?:{p})" for p in self.patterns), re.I)
            m = self._rx.search(text)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), m.end())
        return _Match(text, *best) if best else None


class Detected(Record):
    """A family and the evidence line that named it."""

    family: str
    why: str
    sign: Optional[Sign] = None
    frame: Optional[Frame] = None


class FamilyFinder:
    """The signs of every family of one knowledge base, ready to match."""

    def __init__(self, signs: Iterable[FamilySigns]) -> None:
        self.signs = list(signs)
        self._messages = [(s.id, _Wordings(s.messages, s.patterns)) for s in self.signs]
        self._leads = [(s.id, _Wordings(s.leads)) for s in self.signs if s.leads]
        self.bare = _Wordings(
            [ph for s in self.signs for ph in (*s.messages, *s.leads)],
            [p for s in self.signs for p in s.patterns],
        )
        """Every message and lead: what the reader looks for in lines with no exception name."""
        hints: list[str] = []
        for s in self.signs:
            hints.extend(w for w in s.skim if w not in hints)
        self.hints = tuple(hints)
        """Words a big log is skimmed for: one of them is in every wording."""
        self.names = {s.id: s.name for s in self.signs}

    def of_message(self, text: str) -> Optional[tuple[str, str]]:
        """The family whose wording comes first in ``text``, and the words that matched."""
        flat = " ".join(text[:2000].split())
        best: Optional[tuple[int, str, str]] = None
        for family, words in self._messages:
            m = words.search(flat)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), family, m.group(0))
        return (best[1], best[2]) if best else None

    def of_lead(self, text: str) -> Optional[tuple[str, str]]:
        """A family whose shared opening words ``text`` holds (no deciding words)."""
        flat = " ".join(text[:2000].split())
        for family, words in self._leads:
            m = words.search(flat)
            if m is not None:
                return family, m.group(0)
        return None

    def of_symptom(self, tb: Traceback) -> Optional[Detected]:
        """Another exception that means a family (an old Flask's AttributeError, say)."""
        if not tb.exc_type:
            return None
        frames = tb.all_frames()
        for s in self.signs:
            for sign in s.symptoms:
                if sign.exc_type is not None and not sign.exc_type.search(tb.exc_type):
                    continue
                if sign.message is not None and not sign.message.search(tb.message[:2000]):
                    continue
                hit = None
                if sign.frame is not None:
                    hit = _find_frame(sign, frames)
                    if hit is None:
                        continue
                return Detected(s.id, _says(sign, hit), sign, hit)
        return None

    def frame_signs(self, frames: list[Frame]) -> Iterator[Detected]:
        """Every frame sign the frames show, innermost frame first."""
        for i in range(len(frames) - 1, -1, -1):
            f = frames[i]
            for s in self.signs:
                for sign in s.frames:
                    if sign.innermost and i != len(frames) - 1:
                        continue
                    if sign.frame is not None and _frame_matches(sign.frame, f):
                        yield Detected(s.id, _says(sign, f), sign, f)

    def of_context(self, lines: list[str]) -> Optional[Detected]:
        """A family whose sign is a line printed around a paste that lost its error line."""
        for s in self.signs:
            for sign in s.context:
                for text in lines:
                    if sign.line is not None and sign.line.search(text):
                        return Detected(s.id, sign.says.replace("{line}", text[:100]), sign)
        return None

    def of_frames(self, frames: list[Frame]) -> Optional[Detected]:
        """The family whose lookup frames a paste ends in, innermost frame first."""
        return next(self.frame_signs(frames), None)


def _find_frame(sign: Sign, frames: list[Frame]) -> Optional[Frame]:
    assert sign.frame is not None
    if sign.innermost:
        return frames[-1] if frames and _frame_matches(sign.frame, frames[-1]) else None
    return next((f for f in reversed(frames) if _frame_matches(sign.frame, f)), None)


def _frame_matches(spec: dict[str, Pattern], f: Frame) -> bool:
    for key, pat in spec.items():
        value = f.norm_path if key == "path" else f.function if key == "function" else f.code
        if not pat.search(value or ""):
            return False
    return True


def _says(sign: Sign, frame: Optional[Frame]) -> str:
    return sign.says.replace("{frame}", frame.describe()) if frame is not None else sign.says


def finder(kb: KnowledgeBase) -> FamilyFinder:
    """The family finder of ``kb``, built once per knowledge base."""
    got = kb.__dict__.get("_family_finder")
    if got is None:
        got = kb.__dict__["_family_finder"] = FamilyFinder(kb.signs.values())
    return got
