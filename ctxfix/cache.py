"""ctxfix's private cache: JSON files it wrote itself, checked before each use, never trusted.

The knowledge cache (ctxfix/knowledge.py) and the settings cache (ctxfix/config.py) keep what
is slow to work out (parsed YAML, parsed TOML) under a key made from the source files' paths,
sizes and times, so the next run reads one small JSON file instead.
"""

from __future__ import annotations

import json
import os
import stat
import zlib
from typing import Optional

__all__ = ["Cache", "cache_dir", "checksum", "key_of"]


def key_of(fingerprint: str) -> str:
    """A short file-name-safe key for a fingerprint (the files' paths, sizes and times)."""
    data = fingerprint.encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def cache_dir() -> Optional[str]:
    """The cache folder: $CTXFIX_CACHE_DIR, else ctxfix under $XDG_CACHE_HOME or ~/.cache;
    None when CTXFIX_NO_CACHE is set."""
    if os.environ.get("CTXFIX_NO_CACHE"):
        return None
    base = os.environ.get("CTXFIX_CACHE_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "ctxfix")


class Cache:
    """JSON files in a folder only this user can write to (checked knowledge, read settings).

    Nothing in it is trusted for being there. The folder must be this user's and writable by no
    one else (a new one is made 0700); a file is read only if it is a regular file of this user's,
    not too big, with the checksum it was written with, and every failure to read, parse or build
    it is a miss. Files are written under a fresh name (O_CREAT|O_EXCL|O_NOFOLLOW) and renamed
    into place, so a planted symlink is never followed. Where file ownership cannot be checked
    (not POSIX), paths are used as they are.
    """

    MAGIC = b"ctxfix-knowledge "
    LIMIT = 16 * 1024 * 1024

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.fd: Optional[int] = None
        self.posix = os.name == "posix" and hasattr(os, "O_NOFOLLOW")

    def _open(self, create: bool) -> bool:
        if not self.posix:
            if create:
                os.makedirs(self.folder, exist_ok=True)
            return True
        if self.fd is not None:
            return True
        if create:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
        fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or not _ours(st) or st.st_mode & 0o022:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def read(self, name: str) -> Optional[dict]:
        try:
            if not self._open(create=False):
                return None
            if self.posix:
                flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                fd = os.open(name, flags, dir_fd=self.fd)
            else:
                fd = os.open(os.path.join(self.folder, name), os.O_RDONLY | os.O_BINARY)
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode) or st.st_size > self.LIMIT:
                    return None
                if self.posix and (not _ours(st) or st.st_mode & 0o022):
                    return None
                data = os.read(fd, st.st_size + 1)
            finally:
                os.close(fd)
            raw = json.loads(self._unseal(data))
        except Exception:  # noqa: BLE001 - a cache file that cannot be read is a miss
            return None
        return raw if isinstance(raw, dict) else None

    def write(self, name: str, raw: dict) -> None:
        try:
            payload = json.dumps(raw, allow_nan=False, separators=(",", ":")).encode("ascii")
        except (TypeError, ValueError, RecursionError):
            return  # what cannot be written exactly is not cached
        data = self.MAGIC + f"{checksum(payload)}\n".encode() + payload
        tmp = f"{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            if not self._open(create=True):
                return
            if self.posix:
                fd = os.open(tmp, flags, 0o600, dir_fd=self.fd)
            else:
                tmp = os.path.join(self.folder, tmp)
                fd = os.open(tmp, flags | os.O_BINARY, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            if self.posix:
                os.rename(tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            else:
                os.replace(tmp, os.path.join(self.folder, name))
        except OSError:
            try:
                if self.posix:
                    os.unlink(tmp, dir_fd=self.fd)
                else:
                    os.unlink(tmp)
            except OSError:
                pass

    def prune(self, prefix: str, keep: int) -> None:
        """Delete all but the ``keep`` newest ``prefix*.json`` files (and temporary files an
        interrupted write left behind): each change of the knowledge or of ctxfix writes a new
        file, and the old ones would pile up. Only this user's regular files are touched."""
        try:
            if not self._open(create=False):
                return
            where = self.fd if self.posix else self.folder
            found: list[tuple[int, str]] = []
            with os.scandir(where) as entries:  # type: ignore[type-var]
                for entry in entries:
                    name = entry.name
                    if not name.startswith(prefix) or not name.endswith((".json", ".tmp")):
                        continue
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode) and (not self.posix or _ours(st)):
                        found.append((st.st_mtime_ns, name))
            found.sort(reverse=True)
            for _, name in found[keep:]:
                if self.posix:
                    os.unlink(name, dir_fd=self.fd)
                else:
                    os.unlink(os.path.join(self.folder, name))
        except OSError:
            pass  # a cache that cannot be tidied still works

    def _unseal(self, data: bytes) -> bytes:
        head, _, payload = data.partition(b"\n")
        if head != self.MAGIC + checksum(payload).encode():
            raise ValueError("not a cache file, or a damaged one")
        return payload


def _ours(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid()


def checksum(payload: bytes) -> str:
    """What seals a cache file: two checksums and the length of its payload."""
    return f"{zlib.crc32(payload):08x}{zlib.adler32(payload):08x}{len(payload)}"
