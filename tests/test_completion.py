"""Shell completion: the scripts, cause ids and --answer values, and Tab in a real bash."""

from __future__ import annotations

import pytest
from click.shell_completion import get_completion_class
from tmux_session import Tmux, needs_tmux

from ctxfix import completion
from ctxfix.cli import cli
from ctxfix.engine import choice_key


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_completion_prints_a_script_for_each_shell(runner, shell):
    result = runner.invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert completion.VAR in result.stdout
    assert "ctxfix" in result.stdout
    assert runner.invoke(cli, ["completion", "tcsh"]).exit_code == 2


def _complete(shell: str, args: list[str], incomplete: str) -> list[str]:
    cls = get_completion_class(shell)
    return [
        i.value for i in cls(cli, {}, "ctxfix", completion.VAR).get_completions(args, incomplete)
    ]


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_cause_ids_questions_and_choices_complete(shell, kb):
    assert _complete(shell, ["show"], "back") == ["background-thread"]
    assert _complete(shell, ["show"], "") == list(kb.causes)
    assert _complete(shell, ["verify", "celery-task"], "stand") == ["standalone-script"]
    assert _complete(shell, ["explain", "--answer"], "wh") == ["where=", "where-request="]
    # bash replaces only what follows the "=" it split the word at
    head = "" if shell == "bash" else "where="
    assert _complete(shell, ["diagnose", "--answer"], "where=cel") == [f"{head}celery-task"]
    head = "" if shell == "bash" else "error="
    keys = [choice_key(ch, i, kb) for i, ch in enumerate(kb.questions["error"].choices)]
    assert {"app-context", "request-context", "url-adapter"} <= set(keys)
    assert _complete(shell, ["explain", "--answer"], "error=") == [f"{head}{k}" for k in keys]
    assert _complete(shell, ["explain", "--answer"], "nope=") == []
    assert _complete(shell, [], "ta") == ["table"]
    assert _complete(shell, ["table", "--color"], "al") == ["always"]


def test_the_zsh_and_fish_protocols_carry_the_help(runner):
    env = {completion.VAR: "zsh_complete", "COMP_WORDS": "ctxfix show back", "COMP_CWORD": "2"}
    result = runner.invoke(cli, [], env=env, prog_name="ctxfix")
    assert result.stdout.splitlines()[:3] == [
        "plain",
        "background-thread",
        "Flask context used in a background thread or greenlet",
    ]
    env = {
        completion.VAR: "fish_complete",
        "COMP_WORDS": "ctxfix explain --answer wh",
        "COMP_CWORD": "wh",
    }
    result = runner.invoke(cli, [], env=env, prog_name="ctxfix")
    assert "plain,where=\tWhere does the failing code run?" in result.stdout.splitlines()


def test_a_broken_knowledge_completes_nothing_quietly(runner, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    (broken / "x").mkdir(parents=True)
    (broken / "x" / "cause.yaml").write_text("id: [\n")
    monkeypatch.setenv("CTXFIX_KNOWLEDGE_PATH", str(broken))
    assert _complete("bash", ["show"], "back") == []
    env = {completion.VAR: "zsh_complete", "COMP_WORDS": "ctxfix show back", "COMP_CWORD": "2"}
    result = runner.invoke(cli, [], env=env, prog_name="ctxfix")
    assert (result.exit_code, result.stdout.strip(), result.stderr) == (0, "", "")


@needs_tmux
def test_tab_completes_in_a_real_bash(tmp_path):
    term = Tmux(tmp_path, width=120)
    try:
        term.type('eval "$(ctxfix completion bash)"')
        term.send("Enter")
        term.wait_for("$ ", timeout=30)
        term.send("C-l")
        term.type("ctxfix show backg")
        term.send("Tab")
        term.wait_for("$ ctxfix show background-thread ")
        term.send("C-u")
        term.type("ctxfix explain --answer where=celery-t")
        term.send("Tab")
        term.wait_for("$ ctxfix explain --answer where=celery-task ")
        term.send("C-u")
        term.type("ctxfix explain --answer where-r")
        term.send("Tab")
        term.type("X")
        term.wait_for("$ ctxfix explain --answer where-request=X")
    finally:
        term.close()
