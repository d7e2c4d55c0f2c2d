"""Real captured tracebacks, damaged the ways pastes and logs damage them, still read the same.

The inputs are the project's corpus (tests/tracebacks/flask-*/, what the broken examples print
under each Flask version). Each transformation is named after the shape it models; explain must
still find the same error family and cause as on the untouched text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable

import pytest

from ctxfix.engine import explain_text

CORPUS = Path(__file__).parent / "tracebacks"
# The oldest and newest Flask versions cover both message wordings and both frame layouts.
VERSIONS = ("flask-1.1.4", "flask-3.1.3")


def _each_line(prefix: str) -> Callable[[str], str]:
    return lambda text: "\n".join(prefix + line for line in text.splitlines())


def _reverse(text: str) -> str:
    return "\n".join(reversed(text.splitlines()))


def _drop_header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "Traceback (most recent" not in line)


def _drop_last_line(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[:-1])


def _windows_paths(text: str) -> str:
    return re.sub(
        r'File "(/[^"]+)"', lambda m: 'File "C:' + m.group(1).replace("/", "\\") + '"', text
    )


def _ansi(text: str) -> str:
    return re.sub(r"^(\w+Error)", "\x1b[1;31m\\1\x1b[0m", text, flags=re.M).replace(
        '  File "', '  File "\x1b[35m'
    )


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "celery-prefix": _each_line("[2026-01-01 10:00:00,000: ERROR/ForkPoolWorker-1] "),
    "docker-prefix": _each_line("web_1  | "),
    "docker-v2-prefix": _each_line("web-1     | "),
    "journald-prefix": _each_line("Nov 21 10:00:00 host app[123]: "),
    "gunicorn-prefix": _each_line("[2026-01-01 10:00:00 +0000] [123] [ERROR] "),
    "timestamp-level-prefix": _each_line("2026-01-01 10:00:00,123 ERROR "),
    "kubernetes-cri-prefix": _each_line("2026-01-01T10:00:00.123456789Z stderr F "),
    "rfc3339-prefix": _each_line("2026-01-01T10:00:00.123456Z "),
    "markdown-quote": _each_line("> "),
    "four-space-indent": _each_line("    "),
    "quoted-indent": _each_line(">     "),
    "code-fence": lambda t: "```pytb\n" + t + "\n```",
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "tabs": lambda t: t.replace("    ", "\t"),
    "ansi-colour": _ansi,
    "html-escape": html.escape,
    "windows-paths": _windows_paths,
    "no-caret-lines": lambda t: "\n".join(
        line for line in t.splitlines() if not re.fullmatch(r"\s*[~^]+\s*", line)
    ),
    "time-stamp-lines": lambda t: "\n".join(
        f"2026-01-01 10:00:{i % 60:02d}.{i:03d}\n{line}" for i, line in enumerate(t.splitlines())
    ),
    "program-name-lines": lambda t: "\n".join(f"web-app\n{line}" for line in t.splitlines()),
    "drop-header": _drop_header,
    "drop-last-line": _drop_last_line,
    "reverse": _reverse,
}

# Reversing only makes sense for one plain traceback; a REPL session or pytest report printed
# backwards is not something people paste.
_ONE_TRACEBACK = {"reverse"}
# Known weak spots, kept visible: each must still fail, so fixing one means removing it here.
_TWO_REPORTS = (
    "the program prints a second one-line report of the same failure after the traceback; "
    "read backwards it comes first and counts as an error of its own"
)
KNOWN_WEAK = {
    ("flask-1.1.4/celery-task--context-task-missing.txt", "reverse"): _TWO_REPORTS,
    ("flask-3.1.3/celery-task--flask-task-missing.txt", "reverse"): _TWO_REPORTS,
}


def _cases() -> list[tuple[str, str]]:
    out = []
    for version in VERSIONS:
        for path in sorted((CORPUS / version).glob("*.txt")):
            if path.name == "installed.txt" or "--tb-" in path.name:
                continue
            rel = f"{version}/{path.name}"
            for name in TRANSFORMS:
                out.append((rel, name))
    return out


def _key(text: str, kb) -> tuple:  # noqa: ANN001 - fixture
    found = explain_text(text, kb)
    return (found[0].family, found[0].cause_id) if found else (None, None)


@pytest.fixture(scope="module")
def baselines(kb) -> dict[str, tuple]:  # noqa: ANN001 - fixture
    return {}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the captured corpus is not in this checkout")
@pytest.mark.parametrize(("rel", "transform"), _cases())
def test_transformed_corpus_reads_the_same(rel: str, transform: str, kb, baselines) -> None:  # noqa: ANN001
    text = (CORPUS / rel).read_text(encoding="utf-8")
    if transform in _ONE_TRACEBACK and (
        text.count("Traceback (most recent") != 1 or "--tb" in rel or "pytest" in rel
    ):
        pytest.skip("reversal is modelled on a single plain traceback")
    if rel not in baselines:
        baselines[rel] = _key(text, kb)
    expected = baselines[rel]
    assert expected[0] is not None, "the untouched capture must be diagnosed"
    if (rel, transform) in KNOWN_WEAK:
        assert _key(TRANSFORMS[transform](text), kb) != expected, "fixed: drop it from KNOWN_WEAK"
        pytest.xfail(KNOWN_WEAK[(rel, transform)])
    assert _key(TRANSFORMS[transform](text), kb) == expected


def test_program_output_in_a_log_keeps_its_line_numbers(kb, real_tracebacks) -> None:  # noqa: ANN001
    """A real traceback among 3,000 log lines: found once, at the lines where it sits."""
    tb = real_tracebacks["thread"].rstrip("\n")
    filler = [
        f'10.0.0.{i % 250} - - [21/Nov/2026 10:00:00] "GET /i/{i} HTTP/1.1" 200 -'
        for i in range(1500)
    ]
    text = "\n".join(filler + tb.splitlines() + filler)
    (f,) = explain_text(text, kb)
    assert f.cause_id == "background-thread"
    n = len(tb.splitlines())
    assert 1501 <= f.first_line and f.last_line <= 1500 + n
