"""What the reader produces: frames and tracebacks, as plain data."""

from __future__ import annotations

from typing import Optional

from ctxfix._record import Factory, FrozenRecord, Record

__all__ = ["Frame", "Traceback"]


class Frame(FrozenRecord):
    """One stack frame as printed: where, in which function, and the source line if shown."""

    path: str
    line: Optional[int]
    function: str
    code: str = ""

    @property
    def norm_path(self) -> str:
        """The path with forward slashes and lower case, for matching."""
        return self.path.replace("\\", "/").lower()

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} in {self.function}" if self.function else where


class Traceback(Record):
    """One exception found in the text, with the frames that led to it.

    ``frames`` run from the oldest call to the newest, as Python prints them. When the text held a
    chain of exceptions, ``frames``/``exc_type``/``message`` describe the last one and ``chain``
    the earlier ones. ``truncated`` means frames were found but the exception line was not.
    ``shape`` names the paste shape that read it (python, ipython, pytest, sentry, message...);
    ``e_lines`` says the exception came from pytest's ``E   `` lines (pytest's own report).
    """

    frames: list[Frame] = Factory(list)
    exc_type: Optional[str] = None
    message: str = ""
    chain: list[tuple[Optional[str], str, list[Frame]]] = Factory(list)
    context: list[str] = Factory(list)
    start_line: int = 0
    end_line: int = 0
    truncated: bool = False
    shape: str = "python"
    reversed: bool = False
    e_lines: bool = False

    @property
    def first_message_line(self) -> str:
        return self.message.strip().splitlines()[0].strip() if self.message.strip() else ""

    def all_frames(self) -> list[Frame]:
        """Frames of the whole chain, oldest exception first."""
        out: list[Frame] = []
        for _, _, frames in self.chain:
            out.extend(frames)
        out.extend(self.frames)
        return out
