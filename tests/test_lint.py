"""Every lint code has a fixture that triggers exactly it (tests/lint_fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctxfix.cli import cli
from ctxfix.knowledge import CODES, KnowledgeError, lint

FIXTURES = Path(__file__).parent / "lint_fixtures"


def test_valid_fixture_is_clean():
    assert lint([str(FIXTURES / "valid")]) == []


@pytest.mark.parametrize("code", sorted(CODES))
def test_fixture_triggers_exactly_its_code(code):
    problems = lint([str(FIXTURES / code)])
    assert [p.code for p in problems] == [code], [p.format() for p in problems]
    assert problems[0].line >= 1


def test_every_code_has_a_fixture_and_is_documented():
    fixtures = {p.name for p in FIXTURES.iterdir() if p.name.startswith("CTX")}
    assert fixtures == set(CODES)
    guide = (Path(__file__).parent.parent / "docs" / "writing-a-cause.md").read_text()
    for code in CODES:
        assert code in guide, f"{code} is not documented in docs/writing-a-cause.md"


def test_cli_prints_path_line_code_sorted_and_exits_1(runner):
    result = runner.invoke(cli, ["lint", str(FIXTURES / "CTX001"), str(FIXTURES / "CTX014")])
    assert result.exit_code == 1, "problems found exit 1, like scan and ruff"
    lines = result.stdout.strip().splitlines()
    assert lines == sorted(lines)
    for line in lines:
        path, lineno, rest = line.split(":", 2)
        assert Path(path).name == "cause.yaml" and lineno.isdigit()
        assert rest.split()[0] in ("CTX001", "CTX014")


def test_loading_refuses_broken_knowledge_with_the_same_messages(monkeypatch, tmp_path):
    import shutil

    from ctxfix import knowledge

    root = tmp_path / "k"
    shutil.copytree(FIXTURES / "CTX008", root)
    monkeypatch.setattr(knowledge, "_bundled_path", lambda: str(root))
    with pytest.raises(KnowledgeError) as err:
        knowledge.load(use_cache=False)
    assert [p.code for p in err.value.problems] == ["CTX008"]
    assert "CTX008" in str(err.value)


def test_cache_is_used_and_invalidated(monkeypatch, tmp_path):
    import os
    import shutil
    import time

    from ctxfix import knowledge

    root = tmp_path / "k"
    shutil.copytree(FIXTURES / "valid", root)
    monkeypatch.setattr(knowledge, "_bundled_path", lambda: str(root))
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(tmp_path / "cache"))
    first = knowledge.load()
    assert list((tmp_path / "cache").glob("knowledge-*.json"))
    assert knowledge.load().causes["alpha"].title == first.causes["alpha"].title
    cause = root / "causes" / "alpha" / "cause.yaml"
    cause.write_text(cause.read_text().replace("title: A cause", "title: Changed"))
    later = time.time() + 5
    os.utime(cause, (later, later))
    assert knowledge.load().causes["alpha"].title == "Changed"
