"""The optional native scanner for big logs (``_skim.c``), loaded with ctypes on first use.

The library is plain C with no Python headers, so one build works for every Python 3. It is
built when ctxfix is installed (``hatch_build.py``) if a C compiler is at hand; without it, or
when it cannot be loaded, or with ``CTXFIX_PURE_PYTHON=1`` in the environment, :func:`scanner`
returns None and ctxfix skims in pure Python with the same results. ctypes is imported only
here, and only when a big input is skimmed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

__all__ = ["LIBRARY", "load", "scanner"]

LIBRARY = "_ctxfix_skim" + (
    ".dll" if sys.platform == "win32" else ".dylib" if sys.platform == "darwin" else ".so"
)
"""File name of the shared library, next to this module."""

Scan = Callable[[int, int], "tuple[int, int]"]

_UNSET: Any = object()
_default: Any = _UNSET


def load(path: Optional[Path] = None) -> Optional[Callable[..., int]]:
    """The library's ``ctxfix_skim`` function with its types set, or None on any failure.

    ``path`` defaults to the library shipped next to this module; that one is loaded once.
    """
    global _default
    if path is None and _default is not _UNSET:
        return _default
    try:
        import ctypes

        lib = ctypes.CDLL(str(path or Path(__file__).with_name(LIBRARY)))
        fn = lib.ctxfix_skim
        fn.argtypes = [
            ctypes.c_void_p,
            ctypes.c_longlong,
            ctypes.c_longlong,
            ctypes.c_char_p,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_void_p,
        ]
        fn.restype = ctypes.c_longlong
    except Exception:  # missing file, another architecture, no ctypes: skim in Python
        fn = None
    if path is None:
        _default = fn
    return fn


def scanner(
    region: bytearray, needles: Sequence[bytes], path: Optional[Path] = None
) -> Optional[Scan]:
    """A native ``scan(pos, end) -> (hit, lines)`` over ``region``, or None to skim in Python.

    ``hit`` is the first offset in ``region[pos:end]`` where any of ``needles`` starts and ends,
    or -1; ``lines`` is ``region.count(b"\\n", pos, hit)`` (up to ``end`` when there is no hit).
    The scan reads ``region`` in place: while it is in use the bytearray cannot change size.
    """
    if os.environ.get("CTXFIX_PURE_PYTHON", "") not in ("", "0"):
        return None
    fn = load(path)
    if fn is None or not needles:
        return None
    import ctypes

    try:
        buf = (ctypes.c_char * len(region)).from_buffer(region)
    except (TypeError, ValueError, BufferError):
        return None
    blob = b"".join(needles)
    lens = (ctypes.c_int * len(needles))(*(len(n) for n in needles))
    count = len(needles)
    size = len(region)
    lines = ctypes.c_longlong()
    out = ctypes.byref(lines)

    def scan(pos: int, end: int) -> tuple[int, int]:
        end = min(max(end, 0), size)  # never let C read outside the buffer
        pos = min(max(pos, 0), end)
        hit = fn(buf, pos, end, blob, lens, count, out)
        return hit, lines.value

    return scan
