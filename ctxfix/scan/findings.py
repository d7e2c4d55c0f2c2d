"""What a scan reports: rules, findings, and notes on files that could not be scanned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Rule:
    """A scan rule: a stable code, a short name, the cause whose fix applies, and a bug and its
    correct twin (whole modules: the bug is flagged with this code, the twin is clean)."""

    code: str
    name: str
    cause: str
    summary: str
    variant: Optional[str] = None
    bug: str = ""
    twin: str = ""


@dataclass(frozen=True, order=True)
class ScanFinding:
    """One problem found in the source. ``col`` counts characters from 1, like ``line``."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    @property
    def cause(self) -> str:
        from .rules import RULES

        return RULES[self.rule].cause

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message} [{self.cause}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "cause": self.cause,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "message": self.message,
        }


@dataclass(frozen=True, order=True)
class ScanError:
    """A file or folder that could not be read or parsed: a note; the scan carries on."""

    path: str
    line: int
    col: int
    message: str

    def format(self, strict: bool = False) -> str:
        kind = "error" if strict else "note"
        return f"{self.path}:{self.line}:{self.col}: {kind}: {self.message}"


@dataclass
class ScanReport:
    findings: list[ScanFinding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0
    strict: bool = False


class ScanUsageError(ValueError):
    """Bad arguments: an unknown rule code or a path that does not exist."""
