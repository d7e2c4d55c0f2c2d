"""Read the text explain works on: files or stdin, as lines, in bounded memory.

Bytes are decoded as UTF-8 with replacement, so a log with a stray Latin-1 byte is still read.
Lines longer than :data:`MAX_LINE_BYTES` are cut; the rest of such a line is skipped, never held.
"""

from __future__ import annotations

import codecs
import os
from typing import BinaryIO, Iterator

__all__ = ["InputError", "MAX_LINE_BYTES", "iter_lines", "open_source"]

MAX_LINE_BYTES = 64 * 1024
_CHUNK = 256 * 1024


class InputError(Exception):
    """The input cannot be read as text; the message is one line for the user."""


def open_source(name: str) -> BinaryIO:
    """Open a FILE argument (``-`` is stdin) for reading bytes, with a one-line error if not."""
    if name == "-":
        import sys

        return sys.stdin.buffer
    if os.path.isdir(name):
        raise InputError(f"{name} is a folder, not a file: give the traceback or log file inside")
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({exc.strerror or exc})") from None


def _looks_binary(chunk: bytes) -> bool:
    if not chunk:
        return False
    sample = chunk[:8192]
    if b"\x00" in sample and sample.count(b"\x00") > len(sample) // 100:
        return True
    text = sample.decode("utf-8", errors="replace")
    odd = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f\x1b"))
    return odd > len(text) * 0.3


def iter_lines(stream: BinaryIO, name: str = "input") -> Iterator[str]:
    """Yield decoded lines (without line endings) from a byte stream, chunk by chunk.

    Raises InputError when the first chunk is clearly binary data.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    skipping = False
    first = True
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except OSError as exc:
            raise InputError(f"{name}: read error ({exc.strerror or exc})") from None
        if first:
            first = False
            if _looks_binary(chunk):
                raise InputError(
                    f"{name} looks like binary data, not text: give a traceback or log"
                )
        if not chunk:
            tail = buf + decoder.decode(b"", final=True)
            if tail and not skipping:
                yield from tail.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            return
        buf += decoder.decode(chunk)
        if "\r" in buf:
            # Keep a trailing \r: it may be the first half of a \r\n split across chunks.
            keep_cr = buf.endswith("\r")
            buf = (
                buf.replace("\r\n", "\n").replace("\r", "\n")
                if not keep_cr
                else (buf[:-1].replace("\r\n", "\n").replace("\r", "\n") + "\r")
            )
        start = 0
        while True:
            nl = buf.find("\n", start)
            if nl < 0:
                break
            if skipping:
                skipping = False
            else:
                yield buf[start:nl][:MAX_LINE_BYTES]
            start = nl + 1
        buf = buf[start:]
        if len(buf) > MAX_LINE_BYTES:
            if not skipping:
                yield buf[:MAX_LINE_BYTES]
                skipping = True
            buf = ""
