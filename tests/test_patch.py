"""`explain --diff`: patches made to the user's files, and the line it says when it cannot.

The bundled examples' patches are proven in test_verify.py (verify runs them). Here: programs of
our own shaped like real projects (tests/patch_programs), run the way a user would, and the cases
where no patch can be known.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from ctxfix import verify
from ctxfix.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "patch_programs"
PROJECT = "/home/dev/project"
"""Where scripts/capture_corpus.py says the recorded programs ran."""


def _program(name: str) -> verify.Example:
    spec = yaml.safe_load((PROGRAMS / name / "program.yaml").read_text(encoding="utf-8"))
    return verify.Example(
        spec["cause"],
        name,
        PROGRAMS / name,
        title=spec["title"],
        run=tuple(spec["run"]),
        requires=tuple(spec.get("requires", ())),
        flask=spec.get("flask"),
    )


@pytest.mark.parametrize("name", sorted(p.name for p in PROGRAMS.iterdir() if p.is_dir()))
def test_patch_fixes_a_program_of_our_own(kb, tmp_path, name):
    ex = _program(name)
    reason = verify.skip_reason(ex)
    if reason:
        pytest.skip(reason)
    broken = verify.run_program(ex.run, ex.broken, timeout=60, workdir=tmp_path / "project")
    assert any(
        f in kb.causes[ex.cause].families for f in verify.context_families(kb, broken.output)
    )
    res = verify.Result(ex.cause, name, reproduced=True, broken_output=broken.output)
    verify.prove_patch(kb, ex, res, tmp_path / "project")
    detail = "\n".join(res.problems) + "\n--- patch:\n" + res.patch
    assert res.patched, detail + "\n--- patched printed:\n" + res.patched_output[-3000:]
    assert not res.problems, detail


# ---------------------------------------------------------------------------------------------
# Every traceback the examples printed under every Flask and Quart version (tests/tracebacks),
# fed to explain --diff in a copy of the example's broken program: the patch applies there. This
# is how each Python, Flask and Quart version's traceback layout is covered without running
# anything.


def _corpus() -> list[Path]:
    return sorted((ROOT / "tests" / "tracebacks").glob("*-*/*--*.txt"))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_recorded_traceback_gets_a_patch_that_applies(kb, tmp_path, path):
    from ctxfix.engine import explain_lines
    from ctxfix.patch import build, makes_patch

    cause, example = path.stem.split("--tb-")[0].split("--", 1)
    broken = ROOT / "knowledge" / "causes" / cause / "examples" / example / "broken"
    if not makes_patch(cause) or not broken.is_dir():
        pytest.skip(f"no patch edit for {cause}, or no example {example} to patch")
    shutil.copytree(broken, tmp_path / "project")
    lines = path.read_text(encoding="utf-8").splitlines()
    found = explain_lines(kb, lines, PROJECT).findings
    result = build(found, tmp_path / "project", PROJECT)
    if cause == "interactive-shell":
        assert not result.diff
        assert all("is code typed at a prompt, not a file" in n for n in result.notes)
        return
    if path.stem.endswith("--tb-line"):
        assert not result.diff
        hint = "use --tb=short" if cause == "pytest-test" else "no frame of the traceback is in"
        assert hint in result.notes[0]
        return
    assert result.diff, result.notes
    # A second record of the same failure (a summary line) may show no frame of the user's.
    assert all("no frame of the traceback is in a file of yours" in n for n in result.notes)
    if shutil.which("patch") is None:
        pytest.skip("needs GNU patch")
    dry = subprocess.run(
        ["patch", "-p0", "--dry-run", "--batch"],
        input=result.diff,
        capture_output=True,
        text=True,
        cwd=tmp_path / "project",
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr + result.diff


# ---------------------------------------------------------------------------------------------
# No guess: one line on stderr per error that cannot be patched, exit 1.
# The tracebacks below are written by hand (shaped like Python's), pointing at files made here.


def _traceback(path: str, line: int, function: str, code: str) -> str:
    return textwrap.dedent(
        f"""\
        Traceback (most recent call last):
          File "{path}", line {line}, in {function}
            {code}
          File "/venv/lib/python3.12/site-packages/werkzeug/local.py", line 318, in __get__
            obj = instance._get_current_object()
        RuntimeError: Working outside of application context.
        """
    )


SCRIPT = """\
from flask import Flask, current_app

app = Flask(__name__)
admin = Flask("admin")

print(current_app.name)
"""


def _explain_diff(runner, project: Path, text: str, *args: str):
    import os

    here = os.getcwd()
    os.chdir(project)
    try:
        return runner.invoke(cli, ["explain", "--diff", "--no-ask", *args, "-"], input=text)
    finally:
        os.chdir(here)


def test_several_apps_get_no_guess(runner, tmp_path):
    (tmp_path / "report.py").write_text(SCRIPT)
    tb = _traceback(str(tmp_path / "report.py"), 6, "<module>", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path, tb)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "several apps in the module (admin, app)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_line_that_no_longer_matches_gets_no_guess(runner, tmp_path):
    (tmp_path / "report.py").write_text(SCRIPT.replace("admin = ", "# admin = "))
    tb = _traceback(str(tmp_path / "report.py"), 6, "<module>", "print(current_app.config)")
    result = _explain_diff(runner, tmp_path, tb)
    assert result.exit_code == 1
    assert "report.py:6 no longer matches the traceback" in result.stderr


def test_an_unparsable_file_gets_no_guess(runner, tmp_path):
    (tmp_path / "report.py").write_text("def broken(:\n    print(current_app.name)\n")
    tb = _traceback(str(tmp_path / "report.py"), 2, "broken", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path, tb)
    assert result.exit_code == 1
    assert "report.py cannot be read or parsed" in result.stderr


def test_a_file_outside_the_folder_is_named(runner, tmp_path):
    (tmp_path / "here").mkdir()
    tb = _traceback("/srv/elsewhere/report.py", 6, "<module>", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path / "here", tb)
    assert result.exit_code == 1
    assert "/srv/elsewhere/report.py is outside this folder" in result.stderr
    assert "give --project-root" in result.stderr


def test_project_root_maps_a_container_path(runner, tmp_path):
    (tmp_path / "report.py").write_text(SCRIPT.replace("admin = ", "# admin = "))
    tb = _traceback("/app/report.py", 6, "<module>", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path, tb, "--project-root", "/app")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("--- report.py\n+++ report.py\n")
    assert "+with app.app_context():\n+    print(current_app.name)\n" in result.stdout


def test_the_patch_applies_with_patch_p0(runner, tmp_path):
    (tmp_path / "report.py").write_text(SCRIPT.replace("admin = ", "# admin = "))
    tb = _traceback(str(tmp_path / "report.py"), 6, "<module>", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path, tb)
    if shutil.which("patch") is None:
        pytest.skip("needs GNU patch")
    subprocess.run(
        ["patch", "-p0", "--batch"], input=result.stdout, text=True, cwd=tmp_path, check=True
    )
    done = subprocess.run(
        [sys.executable, "report.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "report"


def test_code_typed_at_a_prompt_has_no_file(runner, tmp_path):
    tb = _traceback("<stdin>", 1, "<module>", "")
    result = _explain_diff(runner, tmp_path, tb)
    assert result.exit_code == 1
    assert "<stdin> is code typed at a prompt, not a file" in result.stderr


def test_no_context_error_means_nothing_to_patch(runner, tmp_path):
    result = _explain_diff(runner, tmp_path, "ValueError: nope\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nothing to patch" in result.stderr


def test_plain_explain_does_not_import_libcst(tmp_path):
    probe = "import sys; from ctxfix.cli import main; sys.argv = ['ctxfix', 'explain', '-']\n"
    probe += "try:\n    main()\nexcept SystemExit:\n    pass\n"
    probe += "print('libcst' in sys.modules, file=sys.stderr)\n"
    tb = _traceback("/srv/app.py", 1, "<module>", "current_app.name")
    done = subprocess.run(
        [sys.executable, "-c", probe], input=tb, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_diff_with_json_fills_each_findings_patch(runner, tmp_path):
    (tmp_path / "report.py").write_text(SCRIPT.replace("admin = ", "# admin = "))
    tb = _traceback(str(tmp_path / "report.py"), 6, "<module>", "print(current_app.name)")
    result = _explain_diff(runner, tmp_path, tb, "--format", "json")
    assert result.exit_code == 0, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["patch"].startswith("--- report.py\n+++ report.py\n")
    plain = _explain_diff(runner, tmp_path, tb)
    assert finding["patch"] == plain.stdout
    without = runner.invoke(cli, ["explain", "--format", "json", "-"], input=tb)
    assert json.loads(without.stdout)["findings"][0]["patch"] is None


def test_one_patch_fixes_every_test_that_failed_the_same_way(kb, tmp_path):
    """pytest prints three failures through one helper; explain groups them as one error, and
    the patch gives each of the three tests the app fixture."""
    from ctxfix.engine import explain_lines
    from ctxfix.patch import build

    project = tmp_path / "project"
    shutil.copytree(PROGRAMS / "tests-conftest" / "broken", project)
    (project / "tests" / "test_more.py").write_text(
        "from bookshelf.models import add_book\n\n\n"
        "def test_one():\n    add_book('Emma')\n\n\n"
        "def test_two():\n    add_book('Dune')\n"
    )
    run = verify.run_program(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:flask"],
        project,
        workdir=tmp_path / "run",
    )
    (finding,) = explain_lines(kb, run.output.splitlines()).findings
    assert finding.occurrences == 3 and len(finding.more_frames) == 2
    result = build([finding], tmp_path / "run")
    assert result.patched == 3, result.notes
    assert result.diff.count("(app") == 3  # three tests now ask for the fixture
    assert result.diff.count("+def app():") == 1


def test_the_user_guide_says_what_every_edit_does():
    from ctxfix.patch.causes import EDITS, QUART_EDITS

    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    section = guide.split("### `--diff`")[1].split("\n### ")[0]
    assert not [cause for cause in EDITS if cause not in section]
    quart = next(line for line in section.splitlines() if line.startswith("| Quart"))
    assert not [cause for cause in QUART_EDITS if cause not in quart]
