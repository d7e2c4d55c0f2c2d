"""The scan rules: one module per rule, ``ctx1nn_<name>.py``, found by their file names.

A rule module defines ``RULE`` (a :class:`~ctxfix.scan.findings.Rule` with its documentation, a
bug and its correct twin) and ``check(project)``, which yields findings. Adding a rule is adding
one such file: nothing else lists the rules.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from ..findings import Rule

_NAME = re.compile(r"ctx(\d{3})_\w+")


def _load() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        m = _NAME.fullmatch(info.name)
        if not m:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule: Rule = module.RULE
        if rule.code != f"CTX{m.group(1)}":
            raise ImportError(f"{info.name} defines {rule.code}; the file name must match")
        found[rule.code] = module
    return dict(sorted(found.items()))


RULE_MODULES: dict[str, ModuleType] = _load()
RULES: dict[str, Rule] = {code: module.RULE for code, module in RULE_MODULES.items()}

__all__ = ["RULES", "RULE_MODULES"]
