"""What a scan reports: rules, findings, notes on files that could not be scanned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Rule:
    """A scan rule: a stable code, a short name, and the cause whose fix applies."""

    code: str
    name: str
    cause: str
    summary: str
    variant: Optional[str] = None


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "CTX101",
            "thread-without-app-context",
            "background-thread",
            "A thread, pool or greenlet target uses the app or the database with no app context.",
            "app-data",
        ),
        Rule(
            "CTX102",
            "proxy-passed-to-thread",
            "background-thread",
            "The current_app proxy is handed to other code instead of the real app object.",
            "app-data",
        ),
        Rule(
            "CTX103",
            "thread-reads-request",
            "background-thread",
            "A thread target reads request or session without copy_current_request_context.",
            "request-data",
        ),
        Rule(
            "CTX104",
            "global-used-at-import",
            "import-time",
            "Module-level code uses a Flask global or runs a query while the module is imported.",
        ),
        Rule(
            "CTX105",
            "factory-without-app-context",
            "app-setup",
            "An app factory calls something that needs the app context outside app.app_context().",
        ),
        Rule(
            "CTX106",
            "celery-task-not-flask-aware",
            "celery-task",
            "A Celery task uses the app or the database, and the Celery app pushes no app context.",
            "flask-task",
        ),
        Rule(
            "CTX107",
            "scheduled-job-without-context",
            "scheduled-job",
            "An APScheduler job uses Flask globals or the database with no context pushed.",
        ),
        Rule(
            "CTX108",
            "click-command-without-context",
            "cli-command",
            "A plain click command or argparse sub-command uses Flask globals or the database.",
        ),
        Rule(
            "CTX109",
            "stream-without-context",
            "streaming-response",
            "A streamed generator uses request or other Flask globals without stream_with_context.",
        ),
        Rule(
            "CTX110",
            "script-without-context",
            "standalone-script",
            "The script entry point (`if __name__ == '__main__':`) uses Flask globals with no "
            "context.",
        ),
        Rule(
            "CTX111",
            "celery-task-reads-request",
            "celery-task",
            "A Celery task reads request or session; tasks never run inside a request.",
        ),
        Rule(
            "CTX112",
            "celery-signal-without-context",
            "celery-task",
            "A Celery signal handler uses Flask globals or the database; signals run outside the "
            "task's app context.",
        ),
    )
}


@dataclass(frozen=True, order=True)
class ScanFinding:
    """One problem found in the source. ``col`` counts from 1, like ``line``."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    @property
    def cause(self) -> str:
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
    """A file that could not be read or parsed. The scan carries on without it."""

    path: str
    line: int
    col: int
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.message}"


@dataclass
class ScanReport:
    findings: list[ScanFinding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0


class ScanUsageError(ValueError):
    """Bad arguments: an unknown rule code or a path that does not exist."""
