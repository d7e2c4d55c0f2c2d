"""Two halves of a big log read at once give what one pass gives (ctxfix.read.parallel).

The logs are built here from the project's own captured tracebacks and filler lines written
for these tests; the size threshold is lowered so a few MB are enough.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from ctxfix import engine
from ctxfix.cli import cli
from ctxfix.read import parallel
from ctxfix.read import stream as inputs

CORPUS = Path(__file__).parent / "tracebacks" / "flask-3.1.3"
PICKS = [
    "background-thread--thread-app-config.txt",
    "celery-task--flask-task-missing.txt",
    "standalone-script--export-customers.txt",
    "url-for-no-server-name--cli-reset-link.txt",
    "scheduled-job--apscheduler-job.txt",
    "pytest-test--current-app-in-test--tb-short.txt",
]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="two halves need os.fork")


def _filler(rng: random.Random, n: int) -> str:
    return "".join(
        f"2026-03-0{rng.randrange(1, 9)} 10:{rng.randrange(60):02d}:{rng.randrange(60):02d},"
        f"{rng.randrange(1000):03d} INFO werkzeug: 10.0.0.{rng.randrange(255)} - - "
        f'"GET /api/items/{rng.randrange(9999)} HTTP/1.1" 200 -\n'
        for _ in range(n)
    )


def _log(tmp_path: Path, copies: int = 48, filler: int = 900, extra: str = "") -> Path:
    """About 4 MB: corpus tracebacks between runs of access-log lines, ``extra`` at the end.

    With ``extra``, the last pick (a pytest failure) appears in the first half only.
    """
    rng = random.Random(11)
    parts = []
    for i in range(copies):
        picks = PICKS if not extra or i < copies // 2 else PICKS[:-1]
        parts.append(_filler(rng, filler))
        parts.append(CORPUS.joinpath(picks[i % len(picks)]).read_text())
    parts.append(_filler(rng, filler))
    parts.append(extra)
    path = tmp_path / "big.log"
    path.write_text("".join(parts))
    return path


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two halves for files of 256 KB and up; counts the hand-overs that happened."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 256 * 1024)
    monkeypatch.setattr(parallel, "_usable_cpus", lambda: 2)
    monkeypatch.setattr(parallel, "_other_threads", lambda: False)
    monkeypatch.delenv("CTXFIX_JOBS", raising=False)
    calls: list[int] = []
    real = engine.Explainer.take_over

    def counted(self: engine.Explainer, part: dict, line_offset: int) -> list:
        calls.append(line_offset)
        return real(self, part, line_offset)

    monkeypatch.setattr(engine.Explainer, "take_over", counted)
    return calls


def _summary(kb, path: Path, jobs: str, monkeypatch: pytest.MonkeyPatch) -> tuple:  # noqa: ANN001
    monkeypatch.setenv("CTXFIX_JOBS", jobs)
    ex = engine.Explainer(kb)
    with path.open("rb") as stream:
        found, saw = parallel.feed_file(stream, ex, path.name, fold=engine.group)
    found.extend(ex.close())
    groups = [
        (f.cause_id, f.variant, f.location and (f.location.path, f.location.line), f.proxy)
        + (f.occurrences, f.first_line, f.last_line, tuple(f.evidence))
        for f in engine.group(found)
    ]
    return groups, saw, ex.tracebacks, ex.truncated, ex.other_errors, ex.reader.lineno


def test_two_halves_find_what_one_pass_finds(kb, tmp_path: Path, small_threshold, monkeypatch):  # noqa: ANN001
    path = _log(tmp_path)
    assert path.stat().st_size > 2 * inputs.SKIM_AFTER
    one = _summary(kb, path, "1", monkeypatch)
    assert small_threshold == []
    two = _summary(kb, path, "", monkeypatch)
    assert len(small_threshold) == 1 and small_threshold[0] > 1000  # the child's work was used
    assert two == one
    groups = one[0]
    assert sum(g[4] for g in groups) == 48 and len(groups) == len(PICKS)


def test_a_record_across_the_cut_is_read_by_the_parent(
    kb, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    path = _log(tmp_path)
    data = path.read_bytes()
    # Cut inside the traceback nearest the middle, at the start of one of its frame lines.
    at = data.index(b'  File "', len(data) // 2)
    monkeypatch.setattr(parallel, "find_cut", lambda fd, size, anchors: at)
    one = _summary(kb, path, "1", monkeypatch)
    two = _summary(kb, path, "", monkeypatch)
    assert small_threshold == []  # the parent was not at rest: it read on past the cut itself
    assert two == one


def test_a_failed_child_is_replaced_by_the_parent(
    kb, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    path = _log(tmp_path)
    one = _summary(kb, path, "1", monkeypatch)

    def broken(self: engine.Explainer, found: list) -> dict:
        raise RuntimeError("the child cannot pack its findings")

    monkeypatch.setattr(engine.Explainer, "hand_over", broken)
    two = _summary(kb, path, "", monkeypatch)
    assert small_threshold == [] and two == one


def test_a_pytest_summary_line_in_the_second_half_is_not_counted_twice(
    kb, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    # pytest's short summary repeats an error whose traceback lies in the first half; one pass
    # drops it as already read, and so must the two halves.
    text = CORPUS.joinpath("pytest-test--current-app-in-test--tb-short.txt").read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("FAILED "))
    extra = "=========================== short test summary info ============================\n"
    path = _log(tmp_path, extra=extra + line + "\n")
    one = _summary(kb, path, "1", monkeypatch)
    two = _summary(kb, path, "", monkeypatch)
    assert len(small_threshold) == 1 and two == one
    assert sum(g[4] for g in one[0]) == 48  # the summary line added no occurrence


def test_find_cut_picks_a_quiet_line_start(tmp_path: Path) -> None:
    path = _log(tmp_path)
    data = path.read_bytes()
    anchors = (b"raceback", b"ontext")
    with path.open("rb") as f:
        cut = parallel.find_cut(f.fileno(), len(data), anchors)
    assert cut is not None and cut >= len(data) // 2 and data[cut - 1 : cut] == b"\n"
    after = b"".join(data[cut:].splitlines(keepends=True)[: parallel.QUIET_LINES])
    assert not any(a in after for a in anchors)


def test_find_cut_gives_up_on_a_log_dense_with_anchors(tmp_path: Path) -> None:
    path = tmp_path / "dense.log"
    path.write_text("Traceback (most recent call last):\n" * 200_000)
    with path.open("rb") as f:
        assert parallel.find_cut(f.fileno(), path.stat().st_size, (b"raceback",)) is None


def test_the_cli_gives_the_same_report_either_way(
    runner, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    path = _log(tmp_path)
    monkeypatch.setenv("CTXFIX_JOBS", "1")
    one = runner.invoke(cli, ["explain", "--format", "json", str(path)])
    monkeypatch.delenv("CTXFIX_JOBS")
    two = runner.invoke(cli, ["explain", "--format", "json", str(path)])
    assert one.exit_code == two.exit_code == 0, two.output
    assert len(small_threshold) == 1
    assert json.loads(two.stdout) == json.loads(one.stdout)


def test_binary_bytes_in_the_second_half_are_read_as_one_pass_reads_them(
    kb, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    # Only the start of an input is checked for being text; the second half must not be either.
    path = _log(tmp_path)
    data = path.read_bytes()
    at = data.index(b"\n", len(data) * 11 // 20) + 1
    path.write_bytes(data[:at] + b"\x00\xff" * 10_000 + b"\n" + data[at:])
    monkeypatch.setattr(parallel, "find_cut", lambda fd, size, anchors: at)  # junk first
    one = _summary(kb, path, "1", monkeypatch)
    two = _summary(kb, path, "", monkeypatch)
    assert len(small_threshold) == 1 and two == one


def test_a_one_line_report_held_before_the_cut_keeps_its_place(
    kb, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    # The Celery example prints the task's FAILURE line after its traceback; the reader holds
    # such a line back in case a traceback follows. Cut 40 lines after one.
    path = _log(tmp_path)
    data = path.read_bytes()
    at = data.index(b": FAILURE: RuntimeError(", len(data) // 2)
    for _ in range(40):
        at = data.index(b"\n", at) + 1
    monkeypatch.setattr(parallel, "find_cut", lambda fd, size, anchors: at)
    one = _summary(kb, path, "1", monkeypatch)
    two = _summary(kb, path, "", monkeypatch)
    assert len(small_threshold) == 1 and two == one
