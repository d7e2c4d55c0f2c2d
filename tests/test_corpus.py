"""explain is right on what every example really printed under every supported Flask version.

The files in tests/tracebacks/flask-<version>/ were recorded by scripts/capture_corpus.py, one
virtualenv per Flask version; the examples that import Quart were recorded under each Quart
release instead, in tests/tracebacks/quart-<version>/. A file's name says what explain must find
in it:
<cause>--<example>[--tb-<form>].txt, and the example's example.yaml gives the variant.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctxfix import verify
from ctxfix.engine import explain_lines
from ctxfix.knowledge import bundled_dir

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "tracebacks"
FILES = sorted([*CORPUS.glob("flask-*/*--*.txt"), *CORPUS.glob("quart-*/*--*.txt")])
NAME = re.compile(r"^(?P<cause>[a-z0-9-]+?)--(?P<example>[a-z0-9-]+?)(?:--tb-(?P<form>\w+))?$")
MIN_VERSIONS = 6


def _version(folder: Path) -> str:
    """The Flask version of a folder: its name, or the Flask its Quart release ran with."""
    if folder.name.startswith("quart-"):
        pins = (folder / "installed.txt").read_text(encoding="utf-8").lower().splitlines()
        return next(p.split("==")[1] for p in pins if p.startswith("flask=="))
    return folder.name.removeprefix("flask-")


def _applies(example: verify.Example, folder: Path) -> bool:
    """Quart examples run under the Quart releases only, the others under Flask's."""
    if ("quart" in example.requires) != folder.name.startswith("quart-"):
        return False
    return not example.flask or verify.version_matches(_version(folder), example.flask)


def _example(cause: str, name: str) -> verify.Example:
    folder = bundled_dir() / "causes" / cause / "examples" / name
    return verify.load_example(cause, folder)


def test_the_corpus_spans_enough_flask_versions():
    folders = sorted({p.parent.name for p in FILES if p.parent.name.startswith("flask-")})
    assert len(folders) >= MIN_VERSIONS, folders


def test_the_corpus_spans_the_supported_quart_releases():
    folders = {p.parent.name for p in FILES if p.parent.name.startswith("quart-")}
    minors = {".".join(f.removeprefix("quart-").split(".")[:2]) for f in folders}
    assert {"0.18", "0.19", "0.20", "0.22"} <= minors, sorted(folders)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_explain_names_the_cause_of_each_saved_traceback(kb, path):
    m = NAME.match(path.stem)
    assert m, f"{path.name}: not <cause>--<example>[--tb-<form>].txt"
    cause, name = m["cause"], m["example"]
    assert cause in kb.causes, f"{path}: no cause {cause}; regenerate the corpus"
    example = _example(cause, name)
    assert example.broken.is_dir(), f"{path}: example {cause}/{name} is gone; regenerate"

    findings = explain_lines(kb, path.read_text(encoding="utf-8").splitlines()).findings
    assert findings, f"{path}: explain found no context error"
    first = findings[0]
    got = f"{first.cause_id} ({first.variant})" if first.variant else str(first.cause_id)
    assert first.cause_id == cause, f"{path}: explain named {got}, candidates {first.candidates}"
    if example.variant:
        assert first.variant == example.variant, f"{path}: explain named {got}"
    assert first.family in kb.causes[cause].families


def test_every_example_is_in_the_corpus_for_every_version_it_applies_to(kb):
    folders = sorted({p.parent for p in FILES})
    saved = {(f.name, p.stem) for f in folders for p in f.glob("*--*.txt")}
    missing = []
    for ex in verify.find_examples(kb):
        if ex.problems:
            continue
        for f in folders:
            if not _applies(ex, f):
                continue
            if (f.name, f"{ex.cause}--{ex.name}") not in saved:
                missing.append(f"{f.name}/{ex.cause}--{ex.name}.txt")
    assert not missing, (
        "run `python scripts/capture_corpus.py` (or give the example a `flask:` range): "
        + ", ".join(missing)
    )


def test_pytest_examples_are_saved_in_every_traceback_form():
    defaults = [p for p in FILES if NAME.match(p.stem)["form"] is None]
    pytest_runs = [p for p in defaults if p.stem.startswith("pytest-test--")]
    assert pytest_runs
    for p in pytest_runs:
        for form in ("short", "line", "native"):
            assert (p.parent / f"{p.stem}--tb-{form}.txt").is_file(), f"{p.stem} --tb={form}"


@pytest.mark.parametrize("folder", sorted({p.parent for p in FILES}), ids=lambda p: p.name)
def test_each_folder_was_made_with_its_flask_version(folder):
    pins = (folder / "installed.txt").read_text(encoding="utf-8").lower().splitlines()
    if folder.name.startswith("quart-"):
        assert f"quart=={folder.name.removeprefix('quart-')}" in pins
    else:
        assert f"flask=={_version(folder)}" in pins


def test_saved_text_holds_no_machine_paths():
    for p in FILES:
        text = p.read_text(encoding="utf-8")
        for marker in ("/tmp/ctxfix-", "/.cache/ctxfix-corpus", "/root/", "/work/"):
            assert marker not in text, f"{p}: contains {marker}"
