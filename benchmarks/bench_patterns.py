"""Time every evidence pattern on hostile lines built from its own text, and print the worst.

Evidence patterns run on every line of a log someone else wrote, up to the reader's 8,192
characters. For each pattern this builds lines just under that size: each piece of literal text
in a text the pattern (nearly) matches, cut at a dozen places, repeated, or followed by a long
run of one character (letters, digits, spaces, underscores, slashes, dots, quotes...), and times
``search`` on each. A linear pattern stays around a millisecond; a quadratic one takes a
tenth of a second or more. `ctxfix lint` (CTX021) rejects the shapes that cause it.

Usage: python benchmarks/bench_patterns.py [--knowledge DIR] [--top N]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import yaml

LINE = 8190
RUNS = 'a1 _/.":f<>-'
MATCHERS = ("message", "context", "proxy", "code")


def patterns(root: Path) -> list[tuple[str, str]]:
    out = []
    for f in sorted(root.glob("causes/*/cause.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for rule in data.get("evidence", []):
            where = f"{f.parent.name}/{rule.get('id', '?')}"
            for key in MATCHERS:
                if key in rule:
                    out.append((f"{where} {key}", rule[key]))
            for key in ("frame", "user_frame"):
                for sub, pat in (rule.get(key) or {}).items():
                    out.append((f"{where} {key}.{sub}", pat))
    return out


def example(pattern: str) -> str:
    """A short text the pattern matches, or nearly: each piece at its smallest (one for +)."""
    try:
        from re import _constants as c  # Python 3.11+
        from re import _parser as parser
    except ImportError:
        import sre_constants as c
        import sre_parse as parser

    def build(items) -> str:
        out = []
        for op, av in items:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op in (c.ANY, c.NOT_LITERAL):
                out.append("a")
            elif op is c.IN:
                out.append(next((ch for ch in "a1 _/.x" if re.fullmatch(_text(op, av), ch)), "a"))
            elif op is c.BRANCH:
                out.append(build(av[1][0]))
            elif op is c.SUBPATTERN:
                out.append(build(av[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                out.append(build(av[2]) * max(av[0], 1))
        return "".join(out)

    def _text(op, av) -> str:
        return "[" + "".join(_member(x) for x in av) + "]"

    def _member(item) -> str:
        op, av = item
        if op is c.NEGATE:
            return "^"
        if op is c.LITERAL:
            return re.escape(chr(av))
        if op is c.RANGE:
            return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
        cats = {"DIGIT": "\\d", "SPACE": "\\s", "WORD": "\\w"}
        name = str(av).replace("CATEGORY_", "")
        neg = name.startswith("NOT_")
        code = cats.get(name.replace("NOT_", ""), "")
        return code.upper() if neg else code

    return build(parser.parse(pattern, re.IGNORECASE))


def hostile(pattern: str) -> list[str]:
    """Lines just under the reader's cut: prefixes of a match repeated, or followed by a run."""
    lines = []
    for alternative in example_alternatives(pattern):
        cuts = sorted({max(1, len(alternative) * i // 12) for i in range(1, 13)})
        for n in cuts:
            piece = alternative[:n]
            lines.append((piece * (LINE // len(piece) + 1))[:LINE])
            for ch in RUNS:
                lines.append((piece + ch * LINE)[:LINE])
                lines.append(((piece + ch) * (LINE // (len(piece) + 1) + 1))[:LINE])
    return lines


def example_alternatives(pattern: str) -> list[str]:
    parts = [example(p) for p in _top_level(pattern)]
    return [p for p in parts if p] or ["x"]


def _top_level(pattern: str) -> list[str]:
    """The pattern's top-level alternatives (split on | outside brackets and groups)."""
    out, depth, cls, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if cls:
            cls = ch != "]"
        elif ch == "[":
            cls = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return out + [pattern[start:]]


def worst(pattern: str) -> tuple[float, str]:
    rx = re.compile(pattern, re.IGNORECASE)
    slowest, which = 0.0, ""
    for line in hostile(pattern):
        t0 = time.perf_counter()
        rx.search(line)
        took = time.perf_counter() - t0
        if took > slowest:
            slowest, which = took, line[:40]
    return slowest, which


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "knowledge"
    ap.add_argument("--knowledge", type=Path, default=default)
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()
    results = []
    for where, pattern in patterns(args.knowledge):
        took, line = worst(pattern)
        results.append((took, where, pattern, line))
    results.sort(reverse=True)
    total = sum(r[0] for r in results)
    print(f"{len(results)} patterns, lines of {LINE} characters; slowest first:")
    for took, where, pattern, line in results[: args.top]:
        print(f"  {took * 1000:8.1f} ms  {where}: {pattern[:60]!r}  on {line!r}...")
    print(f"worst {results[0][0] * 1000:.1f} ms; sum of the worst cases {total * 1000:.0f} ms")


if __name__ == "__main__":
    main()
