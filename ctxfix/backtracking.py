"""Spot regular expressions whose search time can grow faster than the line they search.

Python's ``re`` backtracks, and ``re.search`` retries a pattern at every place in the line.
Evidence patterns run on every log line of an input someone else wrote, up to 8 KB each, so a
pattern that is quadratic in the line's length costs a second on a crafted line, and one that
is exponential never ends. :func:`risk` reads a pattern's syntax tree (``re``'s own parser) and
names the shapes that cause it:

- an unbounded repeat inside another that can run on into the next round, as in ``(a+)+`` or
  ``(\\w+\\s?)+`` (exponential); ``(?:[^()]|\\([^()]*\\))*`` is fine: ``)`` ends the inner run;
- two unbounded repeats that can take the same characters with only optional items between,
  as in ``\\w+\\w*`` or ``[0-9a-f]+.*`` (every split of a run is tried);
- an unbounded repeat at the start of an unanchored pattern, as in ``\\w+_`` (each retry at the
  next character runs it again);
- ``.*`` or ``.+`` between two texts in an unanchored pattern, as in ``Job .* raised`` (each
  place ``Job`` matches scans to the line's end).

It is a syntactic check and errs on the side of caution: it may reject a pattern that is fast,
and it does not prove every pattern it passes linear. ``.{0,200}`` or a class that stops at a
delimiter (``[^"]*``) is the usual way out.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = ["risk"]

# Characters a pattern's pieces are compared on: ASCII and a few others, enough to tell
# whether two repeats can take the same character.
_ALPHABET = frozenset(chr(i) for i in range(128)) | frozenset("é中ßΩ\u00a0\u2028\ufffd")
_NOT_NL = _ALPHABET - {"\n"}


class _Found(Exception):
    pass


def risk(pattern: str, ignorecase: bool = True) -> Optional[str]:
    """Why ``pattern`` may take quadratic or exponential time to search a line, or None.

    The pattern must compile; one that does not is for the caller to report.
    """
    sre = _sre()
    try:
        tree = sre.parse(pattern, 2 if ignorecase else 0)  # 2: re.IGNORECASE
    except Exception:  # noqa: BLE001 - the caller reports patterns that do not compile
        return None
    walker = _Walker(sre, ignorecase)
    try:
        for branch in _branches(sre, tree):
            # The search loop acts like a leading .*? : whatever can start the pattern is open.
            walker.sequence(list(branch), set(_ALPHABET), more_after=False, anchored=False)
    except _Found as found:
        return str(found)
    except RecursionError:
        return "it is nested too deeply to check"
    return None


def _sre() -> Any:
    class _Namespace:
        pass

    ns = _Namespace()
    try:  # Python 3.11+
        from re import _constants as constants  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.9 and 3.10
        import sre_constants as constants
        import sre_parse as parser
    ns.parse = parser.parse
    ns.c = constants
    return ns


def _branches(sre: Any, tree: Any) -> list[Any]:
    items = list(tree)
    if len(items) == 1 and items[0][0] is sre.c.BRANCH:
        return list(items[0][1][1])
    return [items]


class _Walker:
    def __init__(self, sre: Any, ignorecase: bool) -> None:
        self.c = sre.c
        self.ignorecase = ignorecase
        repeats = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
        self.repeats = {getattr(self.c, n) for n in repeats if hasattr(self.c, n)}
        groups = ("SUBPATTERN", "ATOMIC_GROUP")
        self.groups = {getattr(self.c, n) for n in groups if hasattr(self.c, n)}
        self.starts = {
            getattr(self.c, n)
            for n in ("AT_BEGINNING", "AT_BEGINNING_STRING", "AT_BOUNDARY")
            if hasattr(self.c, n)
        }

    # -- what a piece can match ---------------------------------------------------------------

    def _inner(self, op: Any, av: Any) -> list[Any]:
        """The subpattern(s) inside a group-like item."""
        c = self.c
        if op in self.groups:
            return [self._body(op, av)]
        if op is c.BRANCH:
            return list(av[1])
        if op in self.repeats:
            return [av[2]]
        if op in (c.ASSERT, c.ASSERT_NOT):
            return [av[1]]
        if op is c.GROUPREF_EXISTS:
            return [p for p in av[1:] if p is not None]
        return []

    def _body(self, op: Any, av: Any) -> Any:
        return av[-1] if op is self.c.SUBPATTERN else av  # an atomic group is its body

    def chars(self, items: Any) -> set[str]:
        """Every character that can be part of a match of ``items``."""
        c = self.c
        out: set[str] = set()
        for op, av in items:
            if op is c.LITERAL:
                out |= self._cased(chr(av))
            elif op is c.NOT_LITERAL:
                out |= _ALPHABET - self._cased(chr(av))
            elif op is c.ANY:
                out |= _NOT_NL
            elif op is c.IN:
                out |= {ch for ch in _ALPHABET if self._in(av, ch)}
            elif op is c.GROUPREF:
                out |= _ALPHABET
            elif op not in (c.ASSERT, c.ASSERT_NOT, c.AT):
                for sub in self._inner(op, av):
                    out |= self.chars(sub)
        return out

    def _cased(self, ch: str) -> set[str]:
        if not self.ignorecase:
            return {ch}
        return {x for x in (ch, ch.lower(), ch.upper()) if len(x) == 1}

    def _in(self, items: Any, ch: str) -> bool:
        c = self.c
        negate = False
        hit = False
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                hit = hit or ch in self._cased(chr(av))
            elif op is c.RANGE:
                lo, hi = av
                hit = hit or any(lo <= ord(x) <= hi for x in self._cased(ch))
            elif op is c.CATEGORY:
                hit = hit or _category(c, av, ch)
        return hit != negate

    def nullable(self, items: Any) -> bool:
        """Whether ``items`` can match the empty string."""
        c = self.c
        for op, av in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue
            if op in self.repeats:
                if av[0] == 0 or self.nullable(av[2]):
                    continue
                return False
            if op in self.groups:
                if self.nullable(self._body(op, av)):
                    continue
                return False
            if op in (c.BRANCH, c.GROUPREF_EXISTS):
                if any(self.nullable(sub) for sub in self._inner(op, av)):
                    continue
                return False
            return False
        return True

    def first(self, items: Any) -> set[str]:
        """The characters a match of ``items`` can start with."""
        c = self.c
        out: set[str] = set()
        for op, av in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue
            if op in self.groups or op in self.repeats or op in (c.BRANCH, c.GROUPREF_EXISTS):
                for sub in self._inner(op, av):
                    out |= self.first(sub)
            else:
                out |= self.chars([(op, av)])
            if not self.nullable([(op, av)]):
                break
        return out

    def tail(self, items: Any, open_: set[str]) -> set[str]:
        """The characters an unbounded repeat in ``items`` could still take after their end:
        a run is closed only by a character it cannot take."""
        c = self.c
        for op, av in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue
            if op in self.repeats:
                low, high, body = av
                inside = self.tail(body, set(open_))
                if high == c.MAXREPEAT:
                    inside |= self.first(body)  # it may start another round
                open_ = open_ | inside if low == 0 or self.nullable(body) else inside
            elif op in self.groups or op in (c.BRANCH, c.GROUPREF_EXISTS):
                out: set[str] = set()
                for sub in self._inner(op, av):
                    out |= self.tail(sub, set(open_))
                open_ = out
            elif not open_ & self.chars([(op, av)]):
                open_ = set()
        return open_

    def has_unbounded(self, items: Any) -> bool:
        for op, av in items:
            if op in self.repeats and av[1] == self.c.MAXREPEAT:
                return True
            if any(self.has_unbounded(sub) for sub in self._inner(op, av)):
                return True
        return False

    # -- the walk -----------------------------------------------------------------------------

    def sequence(self, items: list, open_: set[str], more_after: bool, anchored: bool) -> set[str]:
        """Walk ``items`` in order. ``open_`` holds the characters that an unbounded repeat
        just before could still take (only optional items since); the same for after them is
        returned. ``more_after``: something that can fail follows this sequence."""
        c = self.c
        for i, (op, av) in enumerate(items):
            after = more_after or any(not self.nullable([x]) for x in items[i + 1 :])
            if op is c.AT:
                if av in self.starts:
                    open_ = set()
                    anchored = anchored or av is not getattr(c, "AT_BOUNDARY", None)
                continue
            if op in (c.ASSERT, c.ASSERT_NOT):
                self.sequence(list(av[1]), set(), False, True)
                continue
            if op in self.groups:
                open_ = self.sequence(list(self._body(op, av)), open_, after, anchored)
                continue
            if op in (c.BRANCH, c.GROUPREF_EXISTS):
                out: set[str] = set()
                for sub in self._inner(op, av):
                    out |= self.sequence(list(sub), set(open_), after, anchored)
                if op is c.GROUPREF_EXISTS and len(self._inner(op, av)) == 1:
                    out |= open_
                open_ = out
                continue
            if op in self.repeats:
                open_ = self._repeat(av, open_, after, anchored)
                continue
            open_ = set()  # one character that must be there ends every run before it
        return open_

    def _repeat(self, av: Any, open_: set[str], after: bool, anchored: bool) -> set[str]:
        low, high, body = av
        if high != self.c.MAXREPEAT:
            inside = self.sequence(list(body), set(open_), after, anchored)
            return open_ | inside if low == 0 or self.nullable(body) else inside
        self.sequence(list(body), set(), after, anchored)
        if self.has_unbounded(body) and self.tail(body, set()) & self.first(body):
            raise _Found(
                "an unbounded repeat inside another can run on into the next round, as in "
                "(a+)+: the search time can grow exponentially with the line"
            )
        took = self.chars(body)
        if open_ & took:
            if open_ >= _ALPHABET:
                raise _Found(
                    "it starts with an unbounded repeat, which the search runs again from every "
                    "character: start it with text, or anchor it with ^ or \\b"
                )
            raise _Found(
                "two unbounded repeats can take the same characters one after the other, as in "
                "\\w+\\w* or [0-9a-f]+.*: every split of a run is tried, so the search time can "
                "grow with the square of the line"
            )
        if took >= _NOT_NL and after and not anchored:
            raise _Found(
                "'.*' between two texts is run to the line's end from every place the text "
                "before it matches: bound it (.{0,200}) or use a class that stops at a "
                'delimiter ([^"]*)'
            )
        return open_ | took if low == 0 or self.nullable(body) else took


def _category(c: Any, code: Any, ch: str) -> bool:
    word = ch.isalnum() or ch == "_"
    tests = {
        "CATEGORY_DIGIT": ch.isdecimal(),
        "CATEGORY_NOT_DIGIT": not ch.isdecimal(),
        "CATEGORY_SPACE": ch.isspace(),
        "CATEGORY_NOT_SPACE": not ch.isspace(),
        "CATEGORY_WORD": word,
        "CATEGORY_NOT_WORD": not word,
        "CATEGORY_LINEBREAK": ch == "\n",
        "CATEGORY_NOT_LINEBREAK": ch != "\n",
    }
    for name, result in tests.items():
        if code is getattr(c, name, None):
            return result
    return True
