"""The ``ctxfix`` command's entry point: Ctrl-C exits 130 quietly even while ctxfix starts.

Importing the CLI (click, then ctxfix's modules) takes most of a short run; a Ctrl-C in that
time used to end in Python's own KeyboardInterrupt traceback. This module imports nothing but
``sys`` before it catches it.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

EXIT_INTERRUPT = 130
"""What a shell reports for a command ended by SIGINT (128 + 2); ctxfix.cli exits with it too."""


def main() -> None:
    """Run the CLI (:func:`ctxfix.cli.main`), exiting 130 if Ctrl-C comes while it loads."""
    try:
        from ctxfix.cli import main as run
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPT)
    run()
