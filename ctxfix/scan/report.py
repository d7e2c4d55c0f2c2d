"""The scan report as text, JSON and SARIF, and the exit status it gives."""

from __future__ import annotations

import json
import os
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from .findings import ScanReport
from .rules import RULES

REPORT_VERSION = 1


def exit_code(report: ScanReport) -> int:
    """1 if anything was found, else 0; 2 with ``strict`` when a file could not be scanned.

    A file this Python cannot parse, or cannot read, is a note: the findings decide.
    """
    if report.strict and report.errors:
        return 2
    return 1 if report.findings else 0


def sarif_uri(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: a percent-encoded URI, relative to %SRCROOT% when it can be."""
    if PureWindowsPath(path).drive or path.startswith("/") or os.path.isabs(path):
        return {
            "uri": PurePosixPath(path).as_uri()
            if path.startswith("/")
            else PureWindowsPath(path).as_uri()
        }
    return {"uri": quote(path.replace("\\", "/"), safe="/"), "uriBaseId": "%SRCROOT%"}


def format_text(report: ScanReport) -> str:
    out = [f.format() for f in report.findings]
    if report.findings:
        causes = sorted({f.cause for f in report.findings})
        n = len(report.findings)
        files = len({f.path for f in report.findings})
        out.append(
            f"Found {n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''} "
            f"({report.files} scanned). For the fix: "
            + ", ".join(f"ctxfix show {c}" for c in causes)
        )
    return "\n".join(out) + ("\n" if out else "")


def format_json(report: ScanReport) -> str:
    data = {
        "report_version": REPORT_VERSION,
        "findings": [f.as_dict() for f in report.findings],
        "errors": [
            {"path": e.path, "line": e.line, "col": e.col, "message": e.message}
            for e in report.errors
        ],
    }
    return json.dumps(data, indent=2) + "\n"


_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def format_sarif(report: ScanReport, version: str = "0") -> str:
    """SARIF 2.1.0, the format GitHub code scanning reads."""
    codes = sorted(RULES)
    rules = []
    for code in codes:
        r = RULES[code]
        rules.append(
            {
                "id": code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {
                    "text": f"Run `ctxfix show {r.cause}` for the cause and its fix.",
                    "markdown": f"Run `ctxfix show {r.cause}` for the cause and its fix.",
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {"cause": r.cause, "tags": ["flask", "correctness"]},
            }
        )
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": codes.index(f.rule),
            "level": "error",
            "message": {"text": f"{f.message} [{f.cause}]"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": sarif_uri(f.path),
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }
                }
            ],
            "properties": {"cause": f.cause},
        }
        for f in report.findings
    ]
    notes = [
        {
            "level": "error" if report.strict else "warning",
            "message": {"text": e.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": sarif_uri(e.path),
                        "region": {"startLine": e.line, "startColumn": e.col},
                    }
                }
            ],
        }
        for e in report.errors
    ]
    data = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ctxfix",
                        "version": version,
                        "informationUri": "https://github.com/ctxfix/ctxfix",
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not (report.strict and report.errors),
                        "toolExecutionNotifications": notes,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(data, indent=2) + "\n"
