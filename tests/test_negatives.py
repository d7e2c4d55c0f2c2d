"""Close relatives of the context errors are left alone: exit 1 and a line saying what was found.

Inputs are hand-written, modelled on real reports (tests/shapes/negative_*.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctxfix.cli import cli

SHAPES = Path(__file__).parent / "shapes"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("negative_session_secret_key.txt", "RuntimeError: The session is unavailable"),
        ("negative_popped_wrong_context.txt", "AssertionError: Popped wrong app context."),
        ("negative_contextvar_token.txt", "ValueError: <Token var=<ContextVar"),
        ("negative_flask_login_none.txt", "AttributeError: 'NoneType' object has no attribute"),
        ("negative_futures_shutdown.txt", "RuntimeError: cannot schedule new futures"),
        ("negative_quart_sanic.txt", "RuntimeError: Not within a websocket context"),
    ],
)
def test_close_relative_is_not_a_context_error(runner, name: str, said: str) -> None:  # noqa: ANN001
    result = runner.invoke(cli, ["explain", str(SHAPES / name)])
    assert result.exit_code == 1, result.output
    assert "none is a Flask context error" in result.output
    assert said in result.output


def test_summary_counts_what_it_found(runner) -> None:  # noqa: ANN001
    result = runner.invoke(cli, ["explain", str(SHAPES / "negative_quart_sanic.txt")])
    assert result.exit_code == 1
    assert result.output.startswith("ctxfix: 2 tracebacks or errors found, none is a Flask")
    assert "SanicException" in result.output


def test_json_mode_keeps_stdout_clean_and_says_it_on_stderr(runner) -> None:  # noqa: ANN001
    result = runner.invoke(
        cli, ["explain", "--format", "json", str(SHAPES / "negative_futures_shutdown.txt")]
    )
    assert result.exit_code == 1
    assert '"findings": []' in result.stdout
    assert "none is a Flask context error" in result.stderr


def test_a_relative_next_to_a_real_one_leaves_only_the_real_one(runner) -> None:  # noqa: ANN001
    text = (
        (SHAPES / "negative_session_secret_key.txt").read_text()
        + "\n"
        + (SHAPES / "journald_every_line.txt").read_text()
    )
    result = runner.invoke(cli, ["explain", "--format", "json", "-"], input=text)
    assert result.exit_code == 0
    assert result.stdout.count('"cause":') == 1
    assert "background-thread" in result.stdout
