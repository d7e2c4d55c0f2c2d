"""The pytest plugin on exceptions that misbehave: the run goes on, never INTERNALERROR."""

from __future__ import annotations

from pathlib import Path

from test_pytest_plugin import _ctxfix_part, _project, _pytest, _sections

WEIRD = """
    import pytest
    from flask import current_app


    class Unprintable(Exception):
        def __str__(self):
            raise ValueError("no string for you")


    def test_unprintable():
        raise Unprintable()


    def test_unprintable_from_a_context_error():
        try:
            current_app.name
        except RuntimeError as exc:
            raise Unprintable() from exc


    def test_after_them():
        assert current_app.name
"""


def test_an_exception_whose_str_raises_is_a_plain_failure(tmp_path: Path) -> None:
    root = _project(tmp_path, {"test_weird.py": WEIRD})
    code, output, _ = _pytest(root, "--ctxfix")
    assert "INTERNALERROR" not in output
    assert code == 1
    assert "3 failed" in output  # the session went on to the last test
    sections = _sections(output)
    assert _ctxfix_part(sections["test_unprintable_from_a_context_error"]).startswith("cause: ")
    assert _ctxfix_part(sections["test_after_them"]).startswith("cause: ")
    # Nothing in a plain failure of an oddly named exception is Flask's.
    assert "ctxfix" not in sections["test_unprintable"]
