"""What literal text a regular expression requires: read off its source, without compiling it.

The reader skims big logs for the words its bare messages must hold, and a knowledge pattern
that cannot match a text lacking its required words is never compiled for it (compiling every
evidence pattern would cost more than a whole diagnosis).
"""

from __future__ import annotations

from typing import Optional

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
    """Runs of plain characters at depth 0 that every match of ``branch`` contains."""
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
            if nxt in ("?", "*", "{"):
                runs.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
        elif depth == 0:
            runs.append("".join(cur))
            cur = []
        i += 1
    runs.append("".join(cur))
    return [r for r in runs if r]


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
        inner = _required_group(branch)
        if inner is None:
            return None
        found = required_words(inner, shortest)
        if found is None:
            return None
        words.extend(found)
    return tuple(words)


def _required_group(branch: str) -> Optional[str]:
    """The content of the first non-capturing group at depth 0 that every match goes through
    (not optional, not repeated from zero, not a lookaround), or None."""
    i = 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            close = branch.find("]", i + 2)
            if close < 0:
                return None
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
                return None
            after = branch[j : j + 1]
            if branch.startswith("(?:", i) and after not in ("?", "*", "{"):
                return branch[i + 3 : j - 1]
            i = j
            continue
        i += 1
    return None
