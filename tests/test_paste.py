"""Pasting into `ctxfix explain` in a real terminal: the prompt names the key that ends the
paste here, and one Ctrl-D on an empty line ends it (a buffered read used to need two)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pty_session import Terminal

from ctxfix.render.terminal import paste_prompt

PASTE = Path(__file__).parent / "tracebacks" / "flask-3.1.3" / "task-queue--rq-job.txt"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")


def test_the_prompt_names_the_key_for_this_platform(monkeypatch):
    assert "Ctrl-D on an empty line" in paste_prompt()
    monkeypatch.setattr(os, "name", "nt")
    assert "Ctrl-Z, then Enter," in paste_prompt()


def test_one_ctrl_d_on_an_empty_line_ends_the_paste():
    term = Terminal("explain", "--no-ask", "--no-pager")
    try:
        term.read_until(b"then press Ctrl-D on an empty line:")
        term.type(PASTE.read_text().replace("\n", "\r"))
        mark = len(term.seen)
        term.type("\x04")
        term.read_until(b"Cause:", start=mark)
        term.proc.wait(timeout=20)
        assert term.proc.returncode == 0
        assert b"task-queue" in term.seen[mark:]
    finally:
        term.close()
