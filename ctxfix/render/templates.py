"""Fill the knowledge's snippet templates with the names a traceback shows.

A snippet holds ``{{name|default}}`` slots. :func:`placeholders` reads the values for them off a
finding (the user's function, module, file, line and failing code, the proxy that failed), and
:func:`fill` puts them in, or the defaults where the traceback did not show a name.
"""

from __future__ import annotations

import re
from typing import Optional

from ctxfix.engine import Finding

__all__ = ["fill", "module_name", "placeholders"]

_SLOT = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*(?:\|([^}]*))?\}\}")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {{name|default}} slots with the user's values, or the defaults."""

    def sub(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in values and values[name]:
            return values[name]
        return default.strip() if default is not None else name

    return _SLOT.sub(sub, template)


def module_name(path: str) -> Optional[str]:
    """The module a source path names (``pkg/views.py`` -> ``views``, ``pkg/__init__.py`` ->
    ``pkg``), or None when it is not an importable ``.py`` file."""
    parts = path.replace("\\", "/").split("/")
    if not parts[-1].endswith(".py"):
        return None
    stem = parts[-1][:-3]
    if stem == "__init__":
        stem = parts[-2] if len(parts) > 1 else ""
    return stem if _IDENTIFIER.fullmatch(stem or "") else None


def placeholders(finding: Finding) -> dict[str, str]:
    """Values for the {{name|default}} slots of a finding's snippets."""
    out: dict[str, str] = {}
    loc = finding.location
    if loc is not None:
        if _IDENTIFIER.fullmatch(loc.function or ""):
            out["function"] = loc.function
        mod = module_name(loc.path)
        if mod:
            out["module"] = mod
        out["file"] = loc.path.replace("\\", "/").rsplit("/", 1)[-1]
        if loc.line:
            out["line"] = str(loc.line)
        if loc.code:
            out["code"] = loc.code
    if finding.proxy and re.fullmatch(r"[\w.]+", finding.proxy):
        out["proxy"] = finding.proxy
    return out
