"""Code survives copy and paste: drawn in a real terminal (tmux) at 60 and 80 columns.

tmux is a terminal emulator: ctxfix runs in one of its panes with no COLUMNS set, sizes itself
from the pane as it would in any terminal, and ``capture-pane -J`` gives back what a person
selecting the text would copy (lines the terminal wrapped at its edge are joined again). Every
line of every fix and verify snippet must be there whole, flush left, with no panel border.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ctxfix.render import finding_row
from ctxfix.render.brief import run_brief
from ctxfix.render.templates import fill
from ctxfix.service import explain_text

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux; CI installs it)"
)

DONE = "__ctxfix_test_done__"


def _in_tmux(command: list[str], width: int, tmp_path: Path) -> str:
    """Run ``command`` in a detached tmux pane ``width`` columns wide; what the pane shows."""
    server = f"ctxfix-test-{uuid.uuid4().hex[:12]}"
    script = tmp_path / "run.sh"
    quoted = " ".join("'" + part.replace("'", "'\\''") + "'" for part in command)
    script.write_text(f"unset COLUMNS LINES NO_COLOR\n{quoted}\necho {DONE}\nsleep 60\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    env["TERM"] = "xterm-256color"
    tmux = ["tmux", "-L", server, "-f", os.devnull]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", str(width), "-y", "50", "sh", str(script)],
        env=env,
        check=True,
    )
    try:
        subprocess.run([*tmux, "set-option", "-g", "history-limit", "5000"], check=True)
        deadline = time.monotonic() + 60
        screen = ""
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-J", "-S", "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if DONE in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"ctxfix did not finish in the pane; it shows:\n{screen}")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def _assert_whole(code: str, screen: str) -> None:
    """Each line of ``code`` is a line of the screen: whole, flush left, with no border."""
    lines = [line.rstrip() for line in screen.splitlines()]
    for line in code.splitlines():
        if line.strip():
            assert line.rstrip() in lines, f"not whole and flush left on screen: {line!r}"


@pytest.fixture(scope="module")
def thread_error(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("terminal")
    program = folder / "orders.py"
    program.write_text(
        "import threading\n"
        "from flask import Flask, current_app\n"
        'app = Flask("shop")\n\n'
        "def send_receipt():\n"
        '    print(current_app.config["DEBUG"])\n\n'
        "with app.app_context():\n"
        "    t = threading.Thread(target=send_receipt)\n"
        "    t.start()\n"
        "    t.join()\n"
    )
    proc = subprocess.run([sys.executable, str(program)], capture_output=True, text=True)
    out = folder / "error.txt"
    out.write_text(proc.stderr)
    return out


@pytest.mark.parametrize("width", [60, 80])
def test_explain_in_a_terminal_prints_every_code_line_whole(kb, thread_error, tmp_path, width):
    screen = _in_tmux(
        [sys.executable, "-m", "ctxfix", "explain", "--no-ask", str(thread_error)], width, tmp_path
    )
    (finding,) = explain_text(thread_error.read_text(), kb).findings
    row = finding_row(finding, kb)
    assert any(len(line) > width for b in row.fixes for line in b.code.splitlines()), (
        "the test needs a code line wider than the terminal"
    )
    assert "╭" in screen, "drawn with rich panels, as in a terminal"
    for block in (*row.fixes, row.verify):
        _assert_whole(block.code, screen)


@pytest.mark.parametrize("width", [60, 80])
def test_show_in_a_terminal_prints_every_code_line_whole(kb, tmp_path, width):
    screen = _in_tmux(
        [sys.executable, "-m", "ctxfix", "show", "background-thread"], width, tmp_path
    )
    cause = kb.causes["background-thread"]
    for snippet in cause.fix:
        _assert_whole(fill(snippet.code, {}), screen)
    _assert_whole(fill(cause.verify, {}), screen)


@pytest.mark.parametrize("width", [60, 80])
def test_run_brief_in_a_terminal_prints_the_fix_whole(kb, thread_error, tmp_path, width):
    screen = _in_tmux(
        [sys.executable, "-m", "ctxfix", "run", "--", "cat", str(thread_error)], width, tmp_path
    )
    (finding,) = explain_text(thread_error.read_text(), kb).findings
    brief = run_brief(finding, kb)
    fix = finding_row(finding, kb).fixes[0].code
    _assert_whole(fix, screen)
    for line in filter(str.strip, fix.splitlines()):
        assert f"ctxfix: {line}" not in brief


def test_table_in_a_terminal_60_columns_wide_keeps_every_fix_readable(kb, tmp_path):
    import re

    screen = _in_tmux([sys.executable, "-m", "ctxfix", "table"], 60, tmp_path)
    assert "…" not in screen and "`" not in screen, "nothing cut short; code drawn as code"
    lines = screen.splitlines()
    assert all(len(line) <= 60 for line in lines)
    for cause in kb.causes.values():
        assert cause.id in lines, "each cause on a line of its own at 60 columns"
        for span in re.findall(r"`([^`]+)`", cause.quick_reference["fix"]):
            assert any(span in line for line in lines), f"{span!r} is not whole on screen"
