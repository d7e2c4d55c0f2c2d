"""Progress bars on a terminal: reading a big log, and running verify's examples."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Callable, Iterator, Optional

__all__ = ["VerifyProgress", "reading_progress"]


@contextlib.contextmanager
def reading_progress(size: int, name: str) -> Iterator[Optional[Callable[[int], None]]]:
    """A rich progress bar on stderr while a file of ``size`` bytes is read, when stderr is a
    terminal.

    Yields the function to call with the bytes read so far, or None when no bar is drawn.
    """
    import sys

    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,  # no refresh thread: a big log may be read by a forked helper
    )
    task = bar.add_task(f"reading {os.path.basename(name)}", total=size)
    shown = [0.0]

    def advance(done: int) -> None:
        bar.update(task, completed=done)
        now = time.monotonic()
        if now - shown[0] >= 0.1:
            shown[0] = now
            bar.refresh()

    with bar:
        yield advance


class VerifyProgress:
    """A progress bar on a terminal while verify runs: `with VerifyProgress(n, console) as p:`."""

    def __init__(self, total: int, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=total)

    def __enter__(self) -> VerifyProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self, result: Any) -> None:
        mark = "skipped" if result.skipped is not None else ("ok" if result.passed else "FAILED")
        self._progress.update(
            self._task, advance=1, description=f"{result.cause}/{result.example} {mark}"
        )
