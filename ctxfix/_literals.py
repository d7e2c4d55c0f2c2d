"""What literal text a regular expression requires: read off its source, without compiling it.

The reader skims big logs for the words its bare messages must hold, and a knowledge pattern
that cannot match a text lacking its required words is never compiled for it (compiling every
evidence pattern would cost more than a whole diagnosis).
"""

from __future__ import annotations

from typing import Iterator, Optional

__all__ = ["literal_runs", "required_words", "top_level_split"]


def top_level_split(source: str) -> list[str]:
    """The alternatives of ``source`` at its top level (not inside a group)."""
    out, depth, cur, i = [], 0, [], 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            cur.append(source[i : i + 2])
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def literal_runs(branch: str) -> list[str]:
    """Runs of plain characters at depth 0 that every match of ``branch`` contains.

    A character repeated at least n times (``_{3,}``) counts n times; the digits of a
    quantifier are no text of the match.
    """
    runs, cur, depth, i = [], [], 0, 0
    while i < len(branch):
        ch = branch[i]
        nxt = branch[i + 1] if i + 1 < len(branch) else ""
        if ch == "\\":
            runs.append("".join(cur))
            cur = []
            i += 2
            continue
        if ch in "([":
            runs.append("".join(cur))
            cur = []
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and (ch.isalnum() or ch in " _'"):
            if nxt in ("?", "*"):
                runs.append("".join(cur))
                cur = []
            elif nxt == "{":
                least, after = _braces(branch, i + 1)
                if least:
                    cur.append(ch * least)
                runs.append("".join(cur))
                cur = []
                i = after
                continue
            else:
                cur.append(ch)
        elif depth == 0:
            runs.append("".join(cur))
            cur = []
            if ch == "{":
                i = _braces(branch, i)[1]
                continue
        i += 1
    runs.append("".join(cur))
    return [r for r in runs if r]


def _braces(branch: str, i: int) -> tuple[int, int]:
    """The least count of the quantifier ``{n}``, ``{n,}`` or ``{n,m}`` at ``i`` and where it
    ends; (0, i + 1) for a brace that is no quantifier (a literal ``{``)."""
    j = i + 1
    while j < len(branch) and (branch[j].isdigit() or branch[j] == ","):
        j += 1
    if j == i + 1 or j >= len(branch) or branch[j] != "}":
        return 0, i + 1
    least = branch[i + 1 : j].split(",")[0]
    return (int(least) if least else 0), j + 1


def required_words(pattern: str, shortest: int = 3) -> Optional[tuple[str, ...]]:
    """Lower-case texts such that every match of ``pattern`` holds one of them: the longest
    literal run of each top-level alternative, or the words of a group every match of that
    alternative goes through. None when some alternative has neither, or the pattern sets
    flags (then every text must be tried)."""
    if pattern.startswith("(?") and not pattern.startswith(("(?:", "(?=", "(?!", "(?<")):
        return None
    words: list[str] = []
    for branch in top_level_split(pattern):
        runs = [r for r in literal_runs(branch) if len(r.strip()) >= shortest]
        if runs:
            words.append(max(runs, key=len).lower())
            continue
        for inner in _required_groups(branch):
            found = required_words(inner, shortest)
            if found is not None:
                words.extend(found)
                break
        else:
            return None
    return tuple(words)


def _required_groups(branch: str) -> Iterator[str]:
    """The contents of the non-capturing groups at depth 0 that every match goes through (not
    optional, not repeated from zero, not a lookaround), in order."""
    i = 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            close = branch.find("]", i + 2)
            if close < 0:
                return
            i = close + 1
            continue
        if ch == "(":
            depth, j = 1, i + 1
            while j < len(branch) and depth:
                if branch[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(branch[j], 0)
                j += 1
            if depth:
                return
            after = branch[j : j + 1]
            if branch.startswith("(?:", i) and (
                after not in ("?", "*", "{") or (after == "{" and _braces(branch, j)[0] > 0)
            ):
                yield branch[i + 3 : j - 1]
            i = j
            continue
        i += 1
