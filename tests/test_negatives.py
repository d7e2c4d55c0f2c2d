"""Close relatives of the context errors are left alone: exit 1 and a line saying what was found.

Inputs are hand-written, modelled on real reports (tests/shapes/negative_*.txt).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctxfix.cli import cli

SHAPES = Path(__file__).parent / "shapes"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("negative_session_secret_key.txt", "RuntimeError: The session is unavailable"),
        ("negative_contextvar_token_own_var.txt", "ValueError: <Token var=<ContextVar"),
        ("negative_flask_login_none.txt", "AttributeError: 'NoneType' object has no attribute"),
        ("negative_futures_shutdown.txt", "RuntimeError: cannot schedule new futures"),
        ("negative_sanic.txt", "SanicException: Sanic app name"),
    ],
)
def test_close_relative_is_not_a_context_error(runner, name: str, said: str) -> None:  # noqa: ANN001
    result = runner.invoke(cli, ["explain", str(SHAPES / name)])
    assert result.exit_code == 1, result.output
    assert "none is a Flask context error" in result.output
    assert said in result.output


def test_summary_counts_what_it_found(runner) -> None:  # noqa: ANN001
    text = (SHAPES / "negative_sanic.txt").read_text() + (
        SHAPES / "negative_futures_shutdown.txt"
    ).read_text()
    result = runner.invoke(cli, ["explain", "-"], input=text)
    assert result.exit_code == 1
    assert result.output.startswith("ctxfix: 2 tracebacks or errors found, none is a Flask")
    assert "SanicException" in result.output


# These were close relatives until the families of issue 12: the context stack's own errors
# (context-pop) and Quart's messages are context errors now. Sanic's message is not Quart's
# wording (quart/globals.py says "Not within a ... context"), so it stays a negative above.
@pytest.mark.parametrize(
    ("name", "family", "cause"),
    [
        ("negative_popped_wrong_context.txt", "context-pop", "context-pop-mismatch"),
        ("negative_contextvar_token.txt", "context-pop", "context-pop-mismatch"),
        ("negative_quart_sanic.txt", "quart-websocket-context", None),
    ],
)
def test_former_relatives_are_context_errors_now(runner, name, family, cause) -> None:  # noqa: ANN001
    result = runner.invoke(cli, ["explain", "--format", "json", str(SHAPES / name)])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["error"], f["cause"]) for f in findings] == [(family, cause)]


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
