"""Project settings: the ``[tool.ctxfix]`` table of the nearest ``pyproject.toml``.

The file is searched for the way ruff searches for ``[tool.ruff]``: from the folder being
scanned (or the current folder) upward, taking the first ``pyproject.toml`` that has a
``[tool.ctxfix]`` table. Paths in it are relative to the folder the file is in. Command-line
flags win over the file; ``--isolated`` ignores it. A bad key or value is a :class:`ConfigError`
whose message is one line naming the file.

Keys: ``select``, ``ignore``, ``exclude``, ``extend-exclude``, ``per-file-ignores`` (for
``ctxfix scan``), ``knowledge-dirs`` and ``project-root`` (for every command that reads
tracebacks or knowledge).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional

__all__ = [
    "DEFAULT_EXCLUDE",
    "FILE_NAME",
    "KEYS",
    "ConfigError",
    "Settings",
    "find",
    "load",
]

FILE_NAME = "pyproject.toml"

DEFAULT_EXCLUDE = (
    ".*",
    "__pycache__",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "venv",
    "env",
)
"""Folders ``ctxfix scan`` does not walk into unless ``exclude`` says otherwise: hidden ones
(``.git``, ``.venv``, ``.tox``), caches, installed packages and build output."""


class ConfigError(Exception):
    """A settings file ctxfix cannot use; the message is one line and names the file."""


class Settings:
    """What ``[tool.ctxfix]`` says, with every path made absolute. Empty when there is no file.

    ``exclude`` is None when the file does not set it (the defaults apply).
    """

    def __init__(
        self,
        path: Optional[str] = None,
        *,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        exclude: Optional[tuple[str, ...]] = None,
        extend_exclude: tuple[str, ...] = (),
        per_file_ignores: Optional[dict[str, tuple[str, ...]]] = None,
        knowledge_dirs: tuple[str, ...] = (),
        project_root: Optional[str] = None,
    ) -> None:
        self.path = path
        self.root = os.path.dirname(path) if path else os.getcwd()
        self.select = select
        self.ignore = ignore
        self.exclude = exclude
        self.extend_exclude = extend_exclude
        self.per_file_ignores = dict(per_file_ignores or {})
        self.knowledge_dirs = knowledge_dirs
        self.project_root = project_root
        self._excluded: Optional[_Patterns] = None
        self._ignored: Optional[list[tuple[_Patterns, tuple[str, ...]]]] = None

    def __repr__(self) -> str:
        return f"Settings({self.path!r})"

    def excluded(self, path: str) -> bool:
        """Whether the scan leaves out ``path``, a folder or file it came across while walking.

        A pattern without ``/`` is matched against the last part of the path (``migrations``,
        ``*_pb2.py``); one with ``/`` against the path relative to the settings file's folder.
        """
        if self._excluded is None:
            patterns = DEFAULT_EXCLUDE if self.exclude is None else self.exclude
            self._excluded = _Patterns((*patterns, *self.extend_exclude), self.root)
        return self._excluded.match(path)

    def ignored(self, path: str, code: str) -> bool:
        """Whether ``per-file-ignores`` silences rule ``code`` (or a prefix of it) in ``path``."""
        if self._ignored is None:
            self._ignored = [
                (_Patterns((pattern,), self.root), codes)
                for pattern, codes in self.per_file_ignores.items()
            ]
        return any(
            any(code.startswith(c) for c in codes) and patterns.match(path)
            for patterns, codes in self._ignored
        )


class _Patterns:
    """Shell-style patterns, compiled once: names (no ``/``) and paths from ``root``."""

    def __init__(self, patterns: tuple[str, ...], root: str) -> None:
        import fnmatch
        import re

        names = [p.rstrip("/") for p in patterns if "/" not in p.rstrip("/")]
        paths = [p.rstrip("/") for p in patterns if "/" in p.rstrip("/")]
        self.root = root
        self.names = re.compile("|".join(map(fnmatch.translate, names))) if names else None
        self.paths = re.compile("|".join(map(fnmatch.translate, paths))) if paths else None

    def match(self, path: str) -> bool:
        if self.names is not None and self.names.match(os.path.basename(os.path.normpath(path))):
            return True
        if self.paths is None:
            return False
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.root).replace(os.sep, "/")
        return bool(self.paths.match(rel) or self.paths.match(full.replace(os.sep, "/")))


def find(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` with a ``[tool.ctxfix]`` table, from ``start`` upward.

    ``start`` is a folder or a file (its folder is the start); the current folder when None.
    Files that do not mention ctxfix are passed over without being parsed.
    """
    found = _nearest(start)
    return found[0] if found is not None else None


def load(start: Optional[str] = None, *, isolated: bool = False) -> Settings:
    """The settings for a run that starts at ``start`` (see :func:`find`); empty if none.

    Raises :class:`ConfigError` for a file that cannot be read or has a bad key or value.
    """
    if isolated:
        return Settings()
    found = _nearest(start)
    if found is None:
        return Settings()
    return _settings(*found)


def _nearest(start: Optional[str]) -> Optional[tuple[str, dict[str, Any]]]:
    """The nearest ``pyproject.toml`` with a ``[tool.ctxfix]`` table, and the table."""
    folder = os.path.abspath(start or os.getcwd())
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        candidate = os.path.join(folder, FILE_NAME)
        if os.path.isfile(candidate):
            table = _table_of(candidate)
            if table is not None:
                return candidate, table
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _table_of(path: str) -> Optional[dict[str, Any]]:
    """The ``[tool.ctxfix]`` table of the file at ``path``, or None when it has none.

    What a file that mentions ctxfix holds is kept in ctxfix's cache under its contents'
    checksum, so the next run reads one small JSON file instead of importing tomllib and
    parsing the file again; a file with an error is parsed every time (and says so).
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"ctxfix" not in raw:
        return None
    from ctxfix import __version__
    from ctxfix.cache import Cache, cache_dir, checksum, key_of

    folder = cache_dir()
    if folder is None:
        return _tool_table(path, raw)
    fingerprint = f"{__version__}|{path}|{checksum(raw)}"
    name = f"settings-{key_of(path)}.json"
    cache = Cache(folder)
    try:
        kept = cache.read(name)
        if kept is not None and kept.get("fingerprint") == fingerprint:
            table = kept.get("table")
            if table is None or isinstance(table, dict):
                return table
        table = _tool_table(path, raw)
        cache.write(name, {"fingerprint": fingerprint, "table": table})
        cache.prune("settings-", 64)  # one per project that mentions ctxfix
        return table
    finally:
        cache.close()


def _tool_table(path: str, raw: bytes) -> Optional[dict[str, Any]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "ctxfix" not in tool:
        return None
    table = tool["ctxfix"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ctxfix] must be a table, not {_kind(table)}")
    return table


def _settings(path: str, table: dict[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        import difflib

        wrong = unknown[0]
        close = difflib.get_close_matches(wrong.replace("_", "-"), list(KEYS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"{path}: [tool.ctxfix] has no key {wrong!r}{hint}; the keys are {', '.join(KEYS)}"
        )
    root = os.path.dirname(path)
    values: dict[str, Any] = {}
    for key, value in table.items():
        check = KEYS[key]
        try:
            values[key.replace("-", "_")] = check(value, root)
        except ValueError as exc:
            raise ConfigError(f"{path}: [tool.ctxfix] {key}: {exc}") from None
    return Settings(path, **values)


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "true/false", int: "a number", float: "a number"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def _strings(value: Any, _root: str = "") -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be a list of strings, not {_kind(value)}")
    return tuple(value)


def _codes(value: Any, _root: str = "") -> tuple[str, ...]:
    from ctxfix.scan import ScanUsageError, parse_codes

    codes = _strings(value)
    try:
        parse_codes(codes)
    except ScanUsageError as exc:
        raise ValueError(str(exc)) from None
    return tuple(c.strip().upper() for c in codes)


def _per_file(value: Any, root: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of pattern = [codes], not {_kind(value)}")
    out = {}
    for pattern, codes in value.items():
        try:
            out[pattern] = _codes(codes)
        except ValueError as exc:
            raise ValueError(f"{pattern!r}: {exc}") from None
    return out


def _folders(value: Any, root: str) -> tuple[str, ...]:
    out = []
    for entry in _strings(value):
        folder = os.path.join(root, os.path.expanduser(entry))
        if not os.path.isdir(folder):
            raise ValueError(f"{entry!r} is not a folder (paths are relative to the file)")
        out.append(os.path.normpath(folder))
    return tuple(out)


def _folder(value: Any, root: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a path, not {_kind(value)}")
    return os.path.normpath(os.path.join(root, os.path.expanduser(value)))


KEYS: dict[str, Callable[[Any, str], Any]] = {
    "select": _codes,
    "ignore": _codes,
    "exclude": _strings,
    "extend-exclude": _strings,
    "per-file-ignores": _per_file,
    "knowledge-dirs": _folders,
    "project-root": _folder,
}
"""Every key of ``[tool.ctxfix]`` and how its value is checked and read."""
