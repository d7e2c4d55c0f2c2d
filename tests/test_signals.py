"""explain on what our own small programs print under the old releases that print each sign.

tests/signals/programs/<program>.py are programs of this project, each showing one sign of
knowledge/families.yaml (its header says which, under which releases, and what explain must
find: `# Expect: <family> <cause> [<variant>]`). `python scripts/capture_corpus.py --signals`
ran each under every virtualenv its `# Envs:` line names and saved the output as
tests/signals/<program>--<env>.txt; these tests only read those files.

Besides each capture as printed, the cut shapes below are made here from the real captures:
pastes that lost lines, cut by us (never hand-edited files). A paste left with none of the
user's frames names only the family (the cause stays open: null).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import pytest

from ctxfix.cli import cli
from ctxfix.engine import bare_messages, detect_family

SIGNALS = Path(__file__).parent / "signals"
PROGRAMS = SIGNALS / "programs"
CAPTURES = sorted(SIGNALS.glob("*--*.txt"))


class Expect(NamedTuple):
    family: str
    cause: Optional[str]
    variant: Optional[str]


def _header(program: Path, key: str) -> str:
    m = re.search(rf"^# {key}:[ \t]*(.*)$", program.read_text(encoding="utf-8"), re.M)
    assert m, f"{program.name}: no `# {key}:` line in the header"
    return m[1].strip()


def _expect(capture: Path) -> Expect:
    words = _header(PROGRAMS / f"{capture.stem.split('--')[0]}.py", "Expect").split()
    return Expect(words[0], words[1], words[2] if len(words) > 2 else None)


# -- the cut shapes ------------------------------------------------------------------------------

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in (?P<func>\S+)')
_SEPARATOR = "During handling of the above exception, another exception occurred:"
# The last frame of the lookups a cut paste ends in: Flask <= 2.1's flask/globals.py, Werkzeug
# >= 2.2's proxy raising its unbound message, Flask-SQLAlchemy 0.16-2.5's get_app.
_LOOKUPS = (
    ("flask/globals.py", re.compile(r"^(?:_find_app|_lookup_app_object|_lookup_req_object)$"), ""),
    (
        "werkzeug/local.py",
        re.compile(r"^_get_current_object$"),
        "raise RuntimeError(unbound_message)",
    ),
    ("flask_sqlalchemy", re.compile(r"^get_app$"), ""),
)


def _error_line(lines: list[str]) -> Optional[int]:
    """The index of the first error line printed right under a frame and its source line."""
    for i in range(2, len(lines)):
        if re.match(r"^(?:RuntimeError|AttributeError): ", lines[i]) and _FRAME.match(lines[i - 2]):
            return i
    return None


def cut_after_last_frame(text: str) -> Optional[str]:
    """Everything before the error line, when the frame above it is one of the lookups."""
    lines = text.splitlines()
    i = _error_line(lines)
    if i is None:
        return None
    frame = _FRAME.match(lines[i - 2])
    assert frame
    for path, func, code in _LOOKUPS:
        if path in frame["path"] and func.match(frame["func"]) and code in lines[i - 1]:
            return "\n".join(lines[:i])
    return None


def explanation_only(text: str) -> Optional[str]:
    """Flask's explanation under the message, without the message's first line (and no frames)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("This typically means")), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return "\n".join(lines[start:end])


def cut_after_separator(text: str) -> Optional[str]:
    """A chained paste that stops at Python's "During handling..." line."""
    lines = text.splitlines()
    if _SEPARATOR not in lines:
        return None
    return "\n".join(lines[: lines.index(_SEPARATOR) + 1])


def cut_after_key_error(text: str) -> Optional[str]:
    """A chained paste that stops at the scoped-session registry's KeyError line."""
    lines = text.splitlines()
    if _SEPARATOR not in lines:
        return None
    end = lines.index(_SEPARATOR)
    keys = [i for i in range(end) if lines[i].startswith("KeyError")]
    return "\n".join(lines[: keys[-1] + 1]) if keys else None


SHAPES: dict[str, Callable[[str], Optional[str]]] = {
    "as-printed": lambda text: text,
    "explanation-only": explanation_only,
    "cut-after-last-frame": cut_after_last_frame,
    "cut-after-separator": cut_after_separator,
    "cut-after-key-error": cut_after_key_error,
}
# Shapes whose paste has none of the user's frames, so explain can name the family but not where
# the code ran (cause null): the explanation alone, and a chain cut inside its first traceback,
# which holds only SQLAlchemy's registry frame.
_NO_USER_FRAMES = {"explanation-only", "cut-after-separator", "cut-after-key-error"}

# Where explain is wrong today. Each must still fail (strict): fixing one means removing it here.
KNOWN_WRONG: dict[tuple[str, str], str] = {}
"""Captures explain is known to get wrong (case -> why), run as strict xfails. Empty: every
capture is explained right."""


def _cases() -> list:
    out = []
    for path in CAPTURES:
        text = path.read_text(encoding="utf-8")
        for shape, cut in SHAPES.items():
            if cut(text) is None:
                continue
            case = (path.name, shape)
            marks = ()
            if case in KNOWN_WRONG:
                marks = (pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[case]),)
            out.append(pytest.param(*case, marks=marks, id=f"{path.stem}/{shape}"))
    return out


# -- the tests -----------------------------------------------------------------------------------


def test_every_program_is_captured_under_each_env_it_names():
    programs = sorted(PROGRAMS.glob("*.py"))
    assert programs
    want = {f"{p.stem}--{env}.txt" for p in programs for env in _header(p, "Envs").split()}
    have = {p.name for p in CAPTURES}
    assert not want - have, "run `python scripts/capture_corpus.py --signals`: " + ", ".join(
        sorted(want - have)
    )
    assert not have - want, f"captures of no program or env: {sorted(have - want)}"


def test_every_cut_shape_has_captures_to_cut():
    made = {shape for _, shape in (c.values for c in _cases())}
    assert made == set(SHAPES), set(SHAPES) - made


def test_known_wrong_cases_exist():
    names = {c.values for c in _cases()}
    assert not set(KNOWN_WRONG) - names, set(KNOWN_WRONG) - names


@pytest.mark.parametrize(("name", "shape"), _cases())
def test_explain_names_the_family_and_cause(runner, name: str, shape: str) -> None:  # noqa: ANN001
    path = SIGNALS / name
    text = SHAPES[shape](path.read_text(encoding="utf-8"))
    want = _expect(path)
    result = runner.invoke(cli, ["explain", "--format", "json", "--no-ask", "-"], input=text)
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)["findings"]
    assert findings, f"{name} ({shape}): explain found no context error"
    first = findings[0]
    got = (first["error"], first["cause"], first["variant"] if want.variant else None)
    cause = None if shape in _NO_USER_FRAMES else want.cause
    variant = None if shape in _NO_USER_FRAMES else want.variant
    assert got == (want.family, cause, variant), f"candidates {first['candidates']}"


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_the_reader_reads_each_capture_as_one_record(kb, path: Path) -> None:  # noqa: ANN001
    reader = bare_messages(kb)
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        records += reader.feed(line)
    records += reader.close()
    context = [tb for tb in records if detect_family(tb, kb)[0]]
    assert len(context) == 1, [(tb.exc_type, tb.first_message_line) for tb in context]
