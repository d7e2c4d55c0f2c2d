"""Undo what terminals, Markdown and HTML do to a pasted line; compile patterns lazily."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_LINE", "Lazy", "clean_line"]

MAX_LINE = 8192
"""Longer lines are cut before matching: no traceback line is that long, and regexes stay cheap."""

_PATTERN_METHODS = ("search", "match", "fullmatch", "sub", "finditer", "findall", "split")


class Lazy:
    """A regular expression compiled when first used.

    The reader knows many shapes (pytest, IPython, Sentry, logs); a plain traceback needs a few
    of them, and compiling all of them at import cost more than reading the traceback. The first
    use of a method compiles the pattern and puts its methods on the instance, so later calls
    go straight to ``re.Pattern`` (the reader makes hundreds of thousands on a big log).
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only for names not set yet
        if name not in _PATTERN_METHODS:
            raise AttributeError(name)
        rx = re.compile(self.pattern, self._flags)
        for method in _PATTERN_METHODS:
            setattr(self, method, getattr(rx, method))
        return getattr(rx, name)


ANSI = Lazy(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (title, clipboard, links), DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # two-byte escapes: ESC c (reset), ESC 7...
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x9c\x1b]*[\x07\x9c]?"  # 8-bit OSC, DCS, SOS, PM, APC
)
"""Terminal control sequences: colour codes people paste, and what an untrusted log can carry to
rewrite a terminal (OSC 52 writes the clipboard, OSC 0 the title, ESC c resets the screen)."""
_CONTROL = Lazy("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Every other C0 and C1 control but the tab, and the bidirectional overrides that reorder what
a terminal shows: nothing read from the input reaches the screen with one of them."""
_QUOTE = Lazy(r"^\s{0,3}(?:>\s?)+")
_FENCE = Lazy(r"^\s*(?:```|~~~)[\w+-]*\s*$")
_WRAPPED_EMPHASIS = Lazy(r"^([*_]{1,3})(?=[A-Za-z<\[(])(.*?)(?<=\S)\1$")
_EDGE_TICKS = Lazy(r"^`+(?=\S)|(?<=\S)`+$")


def clean_line(raw: str) -> str:
    """Undo the damage a line picks up in terminals, Markdown and HTML pastes.

    Log prefixes are not removed here; they are learnt per traceback by the reader.
    """
    line = raw[:MAX_LINE]
    if not line.isprintable():  # one C call for the usual line; controls are rare
        if "\x1b" in line or "\x9b" in line or "\x9d" in line:
            line = ANSI.sub("", line)
        line = _CONTROL.sub("", line)
    if "\t" in line:
        line = line.expandtabs(4)
    if "&" in line and ";" in line:
        import html  # html.entities is a large table that only HTML pastes need

        line = html.unescape(line)
    if ">" in line[:6]:
        line = _QUOTE.sub("", line)
    if ("`" in line or "~" in line) and _FENCE.match(line):
        return ""
    stripped = line.strip()
    if stripped[:1] in "*_" and stripped:
        m = _WRAPPED_EMPHASIS.match(stripped)
        if m:
            line = line.replace(stripped, m.group(2))
    if "`" in line:
        line = (
            _EDGE_TICKS.sub("", line.strip())
            if line.strip().startswith("`") or line.rstrip().endswith("`")
            else line
        )
    return line.rstrip()
