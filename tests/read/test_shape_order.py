"""The shapes are tried in one written order, and each has its own tests here."""

from __future__ import annotations

from pathlib import Path

from ctxfix.read.shapes import SHAPES

HERE = Path(__file__).parent


def test_every_shape_has_a_unique_name_and_a_test():
    names = [s.name for s in SHAPES]
    assert len(names) == len(set(names))
    tests = "\n".join(
        p.read_text() for p in HERE.glob("test_shape_*.py") if p.name != Path(__file__).name
    )
    for name in names:
        assert f'"{name}"' in tests, f"shape {name} has no test in tests/read/"


def test_message_is_last_and_claims_what_no_other_shape_does():
    assert SHAPES[-1].name == "message"
