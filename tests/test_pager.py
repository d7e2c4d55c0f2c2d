"""Paging long output the way git does, in a real terminal (tmux): $CTXFIX_PAGER, $PAGER, else
`less -FRX`; only when the report is taller than the screen; --no-pager and CTXFIX_PAGER= off."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from tmux_session import Tmux, needs_tmux

from ctxfix.cli import cli
from ctxfix.render import terminal


def _recorder(folder: Path, name: str) -> Path:
    """A stand-in pager: records its arguments, $LESS and what it was given, then shows it."""
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "args:$*" "LESS=$LESS" > "{folder}/{name}.log"\n'
        f'cat > "{folder}/{name}.out"\n'
        "echo PAGED\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@needs_tmux
def test_a_report_taller_than_the_screen_goes_to_pager(tmp_path):
    pager = _recorder(tmp_path, "pager")
    term = Tmux(tmp_path, height=24, env={"PAGER": f"{pager} --from-pager-variable"})
    try:
        screen = term.run("ctxfix explain --example")
        assert "PAGED" in screen and "status-1=0" in screen
        log = (tmp_path / "pager.log").read_text().splitlines()
        assert log == ["args:--from-pager-variable", "LESS=FRX"]
        paged = (tmp_path / "pager.out").read_text()
        assert "background-thread" in paged and "\x1b[" in paged, "coloured, as in the terminal"
        assert paged.count("\n") > 24
    finally:
        term.close()


@needs_tmux
def test_short_output_no_pager_and_ctxfix_pager(tmp_path):
    pager = _recorder(tmp_path, "pager")
    mine = _recorder(tmp_path, "mine")
    term = Tmux(tmp_path, height=24, env={"PAGER": str(pager)})
    try:
        screen = term.run("ctxfix explain -q --example")
        assert "/home/dev/project/shop.py:7: background-thread (app-context)" in screen
        term.run("clear; ctxfix --no-pager explain --example")
        term.run("clear; ctxfix explain --example --no-pager")
        term.run("clear; CTXFIX_PAGER= ctxfix explain --example")
        term.run("clear; ctxfix explain --example | cat")
        assert not (tmp_path / "pager.log").exists(), "none of these is paged"
        term.run(f"clear; CTXFIX_PAGER='{mine} -x' ctxfix show background-thread")
        assert (tmp_path / "mine.log").read_text().startswith("args:-x\n")
        assert not (tmp_path / "pager.log").exists(), "CTXFIX_PAGER wins over PAGER"
    finally:
        term.close()


@needs_tmux
def test_less_minus_frx_by_default_and_a_real_less(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _recorder(bin_dir, "less")
    term = Tmux(tmp_path, height=24, env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    try:
        term.run("ctxfix table")
        assert (bin_dir / "less.log").read_text().splitlines()[0] == "args:-FRX"
    finally:
        term.close()
    if shutil.which("less") is None:
        pytest.skip("the rest needs a real less")
    term = Tmux(tmp_path, height=24)
    try:
        term.type("ctxfix explain --example; echo status=$?")
        term.send("Enter")
        term.wait_for(":")  # less waits at the end of the first screen
        assert "status=0" not in term.screen()
        term.send("q")
        assert "status=0" in term.wait_for(r"re:status=\d")
    finally:
        term.close()


def test_piped_output_is_never_paged(runner, tmp_path, monkeypatch):
    pager = _recorder(tmp_path, "pager")
    monkeypatch.setenv("CTXFIX_PAGER", str(pager))
    result = runner.invoke(cli, ["explain", "--example"])
    assert result.exit_code == 0 and "background-thread" in result.stdout
    assert not (tmp_path / "pager.log").exists()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "less -FRX"),
        ({"PAGER": "most"}, "most"),
        ({"PAGER": "most", "CTXFIX_PAGER": "less -S"}, "less -S"),
        ({"PAGER": "most", "CTXFIX_PAGER": ""}, None),
        ({"PAGER": ""}, None),
        ({"PAGER": "cat"}, None),
    ],
)
def test_which_pager(env, expected, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    assert terminal.pager_command(env) == expected
