"""Read Python tracebacks out of any text: a paste, a log file, pytest or worker output.

This package knows the shapes in which Python prints exceptions and the ways people damage them
when they paste (log prefixes, Markdown, HTML entities, lost lines). It knows nothing about Flask:
it turns text into :class:`Traceback` records and leaves the meaning to :mod:`ctxfix.engine`.
"""

from ctxfix.read.reader import (
    Frame,
    Traceback,
    TracebackReader,
    clean_line,
    is_library_path,
    read_tracebacks,
)

__all__ = [
    "Frame",
    "Traceback",
    "TracebackReader",
    "clean_line",
    "is_library_path",
    "read_tracebacks",
]
