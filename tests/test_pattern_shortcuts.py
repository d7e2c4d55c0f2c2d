"""A knowledge pattern's shortcuts never miss what its regex finds.

:class:`ctxfix.knowledge.Pattern` matches plain-text patterns with string operations and skips
the regex for a text that lacks the words every match holds (``ctxfix/_literals.py``). Here
each bundled pattern is tried both ways on every distinct line the project's example programs
printed (tests/tracebacks), on the paths, functions and code of their frames (as the engine
sees them), and on lines written for these tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctxfix._literals import required_words
from ctxfix.engine import explain_lines
from ctxfix.knowledge import KnowledgeBase, Pattern, load

CORPUS = Path(__file__).resolve().parent / "tracebacks"

WRITTEN = [
    "________________________ test_send_mail ________________________",
    "=================================== FAILURES ===================================",
    "ERROR at setup of test_index",
    "FAILED tests/test_jobs.py::test_run - RuntimeError: Working outside of application context.",
    "scripts/seed_db.py",
    "/srv/shop/cron/nightly.py",
    "/srv/shop/tools/export_users.py",
    ">>> db.create_all()",
    "In [3]: app.config",
    "_bootstrap_inner",
    "__bootstrap_inner",
    "run",
]


def _patterns(kb: KnowledgeBase) -> list[Pattern]:
    found: dict[str, Pattern] = {}

    def add(p: object) -> None:
        if isinstance(p, Pattern):
            found[p.pattern] = p
        elif isinstance(p, dict):
            for v in p.values():
                add(v)
        elif isinstance(p, (list, tuple)):
            for v in p:
                add(v)

    for cause in kb.causes.values():
        for rule in cause.evidence:
            for name in rule._fields:
                add(getattr(rule, name))
    for signs in kb.signs.values():
        add(signs.patterns)
        for sign in (*signs.frames, *signs.symptoms, *signs.context):
            for name in sign._fields:
                add(getattr(sign, name))
    return list(found.values())


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines: set[str] = set(WRITTEN)
    kb = load()
    for path in sorted(CORPUS.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines.update(ln.strip() for ln in text.splitlines())
        for f in explain_lines(kb, text.splitlines()).findings:
            for fr in f.frames:
                lines.update((fr.norm_path, fr.function, fr.code))
    return sorted(lines)


def test_every_pattern_shortcut_agrees_with_its_regex(texts: list[str]) -> None:
    patterns = _patterns(load())
    assert len(patterns) > 100
    for p in patterns:
        rx = re.compile(p.pattern, re.IGNORECASE)
        words = p.words()
        for text in texts:
            found = rx.search(text)
            assert bool(p.search(text)) == bool(found), (p.pattern, text)
            if found and words is not None:  # what the family finder gates its regex with
                assert any(w in text.lower() for w in words), (p.pattern, text, words)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"^_{3,} .+ _{3,}$", (" ___",)),  # a space, then at least three underscores
        (r"a{0,3}bcd", ("bcd",)),
        (r"[ab]{3}cde", ("cde",)),
        (r"(?:abc){2}", ("abc",)),
        (r"(?:^|/)(?:scripts?|cron)/\w+\.py$", ("script", "cron")),
        (r"\d{1000}x", None),  # a quantifier's digits are no text of the match
        (r"(?:abc){0,2}", None),
        (r"(?i)foo", None),
    ],
)
def test_required_words(pattern: str, words: object) -> None:
    assert required_words(pattern) == words


@pytest.mark.parametrize(
    "pattern",
    [
        r"^_{1,2}bootstrap_inner$|^run$",
        r"(?:ab|c){2}x",
        r"a{3}",
        r"a{2,}b",
        r"a{0,1}b",
        r"(?:^|/)x{2}/",
        r"(?i)(?:^|_)(?:threaded|spawn\w*)$|thread$",
        r"^={3,} (?:FAILURES|ERRORS) ={3,}$",
    ],
)
def test_written_patterns_agree_with_their_regex(pattern: str) -> None:
    """Quantifiers with small counts are read as literal alternatives; a leading ``(?i)`` is
    what every pattern does anyway."""
    texts = [
        "_bootstrap_inner",
        "__bootstrap_inner",
        "___bootstrap_inner",
        "run",
        "rerun",
        "ababx",
        "abcx",
        "cabx",
        "ccx",
        "acx",
        "aaa",
        "aa",
        "aab",
        "ab",
        "b",
        "src/xx/",
        "xx/",
        "/xxx/",
        "start_threaded",
        "spawn_later",
        "my_thread",
        "THREAD",
        "=== FAILURES ===",
        "== FAILURES ==",
    ]
    rx = re.compile(pattern, re.IGNORECASE)
    p = Pattern(pattern)
    for text in texts:
        assert bool(p.search(text)) == bool(rx.search(text)), text
