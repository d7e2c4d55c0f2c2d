"""Read files found in folders ctxfix does not control: regular files only, and never too much.

A knowledge folder, an example folder or a docs folder may hold a FIFO (reading it blocks
forever), a device such as ``/dev/zero`` (reading it never ends) or a symlink to one, or a file
of many gigabytes. :func:`read_regular` refuses all of these with an :class:`OSError` whose
message is one line for the user.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Union

__all__ = ["read_regular"]

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _refuse(mode: int, path: str) -> OSError:
    return OSError(errno.EINVAL, f"not a regular file ({_kind(mode)})", path)


def read_regular(path: Union[str, os.PathLike], limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file (or a symlink to one) of at most ``limit``
    bytes; OSError otherwise. Opening never blocks, and at most ``limit + 1`` bytes are read
    even when the file grows meanwhile."""
    name = os.fspath(path)
    st = os.stat(name)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(st.st_mode, name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(name, flags)
    try:
        st = os.fstat(fd)  # what was opened, in case the path changed since the stat above
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(st.st_mode, name)
        chunks = []
        left = limit + 1
        while left > 0:
            data = os.read(fd, min(left, 1 << 20))
            if not data:
                break
            chunks.append(data)
            left -= len(data)
    finally:
        os.close(fd)
    if left <= 0:
        raise OSError(errno.EFBIG, f"larger than {_size(limit)}", name)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"
