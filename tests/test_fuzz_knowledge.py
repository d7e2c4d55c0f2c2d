"""Fuzz the knowledge loader: hostile bytes and hostile YAML structures in a user folder.

Whatever a cause.yaml holds, loading ends in a KnowledgeBase every command can use or in a
KnowledgeError listing problems, never in another exception; lint never crashes; and what is
cached is read back the same.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxfix import engine, knowledge, render
from ctxfix.knowledge import KnowledgeError

FIXTURES = Path(__file__).parent / "lint_fixtures"
VALID = yaml.safe_load((FIXTURES / "valid" / "causes" / "alpha" / "cause.yaml").read_text())
VALID["id"] = "gamma"
VALID["tree"] = {"question": "where", "label": "gamma"}

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/worker.py", line 9, in run\n'
    "    current_app.logger.info('x')\n"
    "RuntimeError: Working outside of application context.\n"
)

FUZZ = settings(
    max_examples=int(os.environ.get("CTXFIX_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Values YAML's safe loader can produce, and a few it is asked to build on purpose.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["app-context", "where", "alpha", "{{proxy}}", "(", ".*.*x", "(a+)+$", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
        st.frozensets(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
    ),
    max_leaves=12,
)


def _paths(doc, prefix=()):
    """Every (path, value) in a nested structure of dicts and lists."""
    yield prefix, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p, _ in _paths(VALID) if p]


def _set(doc, path, value):
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(frozenset, lambda d, v: d.represent_set(set(v)))


def _folder(content: bytes) -> Path:
    base = Path(tempfile.mkdtemp(prefix="ctxfix-fuzz-"))
    (base / "mine" / "gamma").mkdir(parents=True)
    (base / "mine" / "gamma" / "cause.yaml").write_bytes(content)
    return base


def _exercise(base: Path) -> None:
    """Load (twice: cold and from the cache), lint, and use what loaded."""
    mine = str(base / "mine")
    problems = knowledge.lint([], [mine])
    try:
        kb = knowledge.load([mine])
    except KnowledgeError as exc:
        assert exc.problems and all(p.code in knowledge.CODES for p in exc.problems)
        assert problems
        return
    assert problems == []
    again = knowledge.load([mine])  # from the cache
    assert again.causes["gamma"].title == kb.causes["gamma"].title
    render.render_table(kb, "json")
    render.render_table(kb, "markdown")
    render.render_cause(kb.causes["gamma"], "markdown")
    found = engine.explain_text(TRACEBACK, kb)
    text = render.render_text(engine.Outcome(found, 1, [], 0), kb, True)
    assert isinstance(text, str)


@pytest.fixture
def small_root(monkeypatch, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    shutil.rmtree(root)
    shutil.copytree(FIXTURES / "valid", root)
    monkeypatch.setattr(knowledge, "_bundled_path", lambda: str(root))
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return root


@FUZZ
@given(path=st.sampled_from(PATHS), value=values)
def test_a_hostile_value_anywhere_is_refused_or_works(small_root, path, value):
    doc = _set(VALID, path, value)
    base = _folder(yaml.dump(doc, Dumper=_Dumper, allow_unicode=True).encode("utf-8"))
    try:
        _exercise(base)
    finally:
        shutil.rmtree(base)


@FUZZ
@given(extra=st.dictionaries(st.text(max_size=10), values, max_size=3))
def test_hostile_extra_keys_and_rules_are_refused_or_work(small_root, extra):
    doc = dict(VALID)
    doc["evidence"] = [dict(VALID["evidence"][0], **extra)]
    base = _folder(yaml.dump(doc, Dumper=_Dumper).encode("utf-8"))
    try:
        _exercise(base)
    finally:
        shutil.rmtree(base)


ROOT_FILES = {
    name: yaml.safe_load((FIXTURES / "valid" / name).read_text())
    for name in ("tree.yaml", "families.yaml")
}
ROOT_PATHS = [(name, p) for name, doc in ROOT_FILES.items() for p, _ in _paths(doc) if p]


@FUZZ
@given(where=st.sampled_from(ROOT_PATHS), value=values)
def test_a_hostile_tree_or_families_file_is_refused_or_works(small_root, where, value):
    """A folder given to lint with its own tree.yaml is checked whole."""
    name, path = where
    (small_root / name).write_text(yaml.dump(_set(ROOT_FILES[name], path, value), Dumper=_Dumper))
    problems = knowledge.lint([str(small_root)])
    try:
        kb = knowledge.load()
    except KnowledgeError:
        assert problems
        return
    assert problems == []
    engine.walk(kb, "app-context", {"where": "1"})
    render.render_table(kb, "text")
    found = engine.explain_text(TRACEBACK, kb)
    render.render_text(engine.Outcome(found, 1, [], 0), kb, True)


VALID_BYTES = yaml.safe_dump(VALID).encode()


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda cut, junk: VALID_BYTES[:cut] + junk + VALID_BYTES[cut:],
            st.integers(0, len(VALID_BYTES)),
            st.binary(max_size=20),
        ),
        st.sampled_from(
            [
                b"\xff\xfe" + "id: gamma".encode("utf-16-le"),
                b"a: &a [*a]",
                b"- " * 2000,
                b"[" * 5000,
                b"!!python/object:os.system {}",
                b"? [a, b]\n: 1",
                b"\x00" * 100,
                b"%YAML 9.9\n---\na: 1",
            ]
        ),
    )
)
def test_hostile_bytes_are_refused_or_work(small_root, data):
    base = _folder(data)
    try:
        _exercise(base)
    finally:
        shutil.rmtree(base)


def test_the_fuzz_values_cover_what_broke_commands():
    """Dates, sets, bytes and floats are among the generated values (issue 14, item 13)."""
    seen = set()

    @settings(max_examples=300, deadline=None)
    @given(scalars)
    def collect(v):
        seen.add(type(v))

    collect()
    assert {datetime.date, bytes, float, type(None)} <= seen
