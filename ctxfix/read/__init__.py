"""Read Python tracebacks out of any text: a paste, a log file, pytest or worker output.

This package knows the shapes in which Python prints exceptions and the ways people damage them
when they paste (log prefixes, Markdown, HTML entities, lost lines). It knows nothing about Flask:
it turns text into :class:`Traceback` records and leaves the meaning to :mod:`ctxfix.engine`.

- :mod:`~ctxfix.read.model`: the records (Frame, Traceback).
- :mod:`~ctxfix.read.clean`: undoing paste damage to one line.
- :mod:`~ctxfix.read.kinds`: the kinds of line every shape shares.
- :mod:`~ctxfix.read.reader`: the line-at-a-time reader that hands lines to the shapes.
- :mod:`~ctxfix.read.shapes`: one handler per paste shape, in the order they are tried.
"""

from ctxfix.read.clean import clean_line
from ctxfix.read.kinds import is_library_path
from ctxfix.read.model import Frame, Traceback
from ctxfix.read.reader import TracebackReader, read_tracebacks

__all__ = [
    "Frame",
    "Traceback",
    "TracebackReader",
    "clean_line",
    "is_library_path",
    "read_tracebacks",
]
