"""The paste shapes the reader knows, one small handler each, tried in the order of SHAPES.

A handler takes the reader and a :class:`~ctxfix.read.reader.Line`, and returns True when the
line is its own (it has read it) or False to let the next handler try. Handlers change the
record being read through the reader's methods (``start``, ``end_record``, ``add_frame``).
Adding a paste shape is one new handler in this list and its tests (tests/read/).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ctxfix._record import FrozenRecord
from ctxfix.read.shapes import groups, ipython, logs, loguru, message, pytest, python, sentry

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader


class Shape(FrozenRecord):
    """One handler: its name (shown by ``reader.trace``) and what it does with a line."""

    name: str
    read: Callable[[TracebackReader, Line], bool]


SHAPES: tuple[Shape, ...] = (
    Shape("log-viewer", logs.viewer_line),
    Shape("repr-continued", message.repr_continued),
    Shape("pytest-trailer", pytest.after_trailer),
    Shape("pytest-section", pytest.section),
    Shape("pytest-summary-tail", pytest.summary_tail),
    Shape("pytest-argument", pytest.argument),
    Shape("pytest-def", pytest.def_line),
    Shape("group-separator", groups.separator),
    Shape("ipython-header", ipython.header),
    Shape("group-header", groups.header),
    Shape("python-header", python.header),
    Shape("python-frame", python.frame),
    Shape("ipython-frame", ipython.frame),
    Shape("ipython-source", ipython.numbered_source),
    Shape("python-source", python.source),
    Shape("python-caret", python.caret),
    Shape("loguru-value", loguru.value_line),
    Shape("python-chain", python.chain),
    Shape("pytest-e", pytest.e_line),
    Shape("pytest-source", pytest.source),
    Shape("pytest-line", pytest.line_form),
    Shape("pytest-location", pytest.location),
    Shape("sentry-frame", sentry.frame),
    Shape("pytest-excerpt", pytest.long_excerpt),
    Shape("message", message.line),
)
"""Every shape handler, in the order they are tried: the first that claims a line reads it."""
