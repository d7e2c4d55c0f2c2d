"""Which files a scan reads, how they are read, and the module name each one has.

Only regular files are read, and only up to :data:`MAX_BYTES`: a ``.py`` name on a FIFO, a
device (``/dev/zero``) or a huge generated file is a note, never a hang. Folders that cannot be
listed are notes too.
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
from typing import Callable, Iterator, Optional, Sequence, Union

from ctxfix.config import Settings

from .findings import ScanError, ScanUsageError

MAX_BYTES = 4 * 1024 * 1024
"""Python files larger than this (4 MB) are not scanned: a note says so."""


def display(path: str) -> str:
    path = path.replace(os.sep, "/")
    return path[2:] if path.startswith("./") else path


def walk(
    paths: Sequence[str],
    notes: Optional[list[ScanError]] = None,
    settings: Optional[Settings] = None,
) -> Iterator[str]:
    """Python files under ``paths``, in a stable order. Named files are taken as they are; what
    the walk finds is left out when ``settings`` excludes it (by default: hidden folders,
    caches, installed packages and build output; see :data:`ctxfix.config.DEFAULT_EXCLUDE`).

    Folders that cannot be listed are added to ``notes``.
    """
    excluded = (settings or Settings()).excluded
    for given in paths:
        if os.path.isdir(given):
            yield from _walk_dir(given, notes, excluded)
        elif os.path.lexists(given):
            yield given
        else:
            raise ScanUsageError(f"no such file or directory: {given}")


def _walk_dir(
    top: str, notes: Optional[list[ScanError]], excluded: Callable[[str], bool]
) -> Iterator[str]:
    def failed(exc: OSError) -> None:
        if notes is not None:
            where = display(exc.filename or top)
            notes.append(ScanError(where, 1, 1, f"cannot read folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(top, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(root, d)))
        for name in sorted(files):
            if name.endswith(".py") and not excluded(os.path.join(root, name)):
                yield os.path.join(root, name)


def read(path: str) -> Union[str, ScanError]:
    """The text of a Python file, or a note saying why it cannot be read."""
    where = display(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return ScanError(where, 1, 1, f"cannot read: {exc.strerror or exc}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return ScanError(where, 1, 1, "not a regular file; not read")
        if info.st_size > MAX_BYTES:
            return ScanError(where, 1, 1, f"larger than {MAX_BYTES // 2**20} MB; not scanned")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(info.st_size + 1, MAX_BYTES + 1 - size) or 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
    except OSError as exc:
        return ScanError(where, 1, 1, f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        return ScanError(where, 1, 1, f"larger than {MAX_BYTES // 2**20} MB; not scanned")
    try:
        if b"coding" not in raw[:400]:  # no PEP 263 declaration: UTF-8 (with or without BOM)
            return raw.decode("utf-8-sig")
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return raw.decode(encoding)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return ScanError(where, 1, 1, f"cannot decode: {exc}")


class ModuleNames:
    """Dotted module names from paths: folders with ``__init__.py`` are packages."""

    def __init__(self) -> None:
        self._packages: dict[str, str] = {}

    def package_of(self, folder: str) -> str:
        got = self._packages.get(folder)
        if got is None:
            if os.path.isfile(os.path.join(folder, "__init__.py")):
                parent = os.path.dirname(folder)
                base = self.package_of(parent) if parent and parent != folder else ""
                name = os.path.basename(folder)
                got = f"{base}.{name}" if base else name
            else:
                got = ""
            self._packages[folder] = got
        return got

    def name(self, path: str) -> tuple[str, str]:
        """(module name, package name) of a file."""
        folder, file = os.path.split(os.path.abspath(path))
        package = self.package_of(folder)
        stem = file[:-3] if file.endswith(".py") else file
        if stem == "__init__":
            return (package or os.path.basename(folder)), package
        if not stem.isidentifier():
            stem = stem.replace("-", "_").replace(".", "_")
        return (f"{package}.{stem}" if package else stem), package
