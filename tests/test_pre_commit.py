"""The pre-commit hook, run by the real `pre-commit try-repo` against this repository (local: no
network but the package index pip already uses to install ctxfix into the hook's environment)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_hook_is_declared_and_shown_in_the_readme():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "ctxfix-scan"
    assert hook["entry"] == "ctxfix scan"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["pass_filenames"] is False, "a rule needs the whole project, not the staged files"
    block = README.split("```yaml", 1)[1].split("```", 1)[0]
    lines = [
        line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 3, "three lines in .pre-commit-config.yaml"
    (repo,) = yaml.safe_load(block)
    assert repo["hooks"] == [{"id": "ctxfix-scan"}]


def _pre_commit(project: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run pre-commit in ``project``; its exit status and everything it printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_runs_the_hook(tmp_path, thread_module):
    pytest.importorskip("pre_commit", reason="pip install pre-commit (in ctxfix[test])")
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "jobs.py").write_text(thread_module)
    (project / "shop" / "migrations").mkdir()
    (project / "shop" / "migrations" / "env.py").write_text(thread_module)
    (project / "pyproject.toml").write_text('[tool.ctxfix]\nextend-exclude = ["migrations"]\n')
    (project / "README.txt").write_text("not Python\n")
    _git("init", "-q", cwd=project)
    _git("add", ".", cwd=project)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "CTXFIX_NO_NATIVE": "1",  # the hook's pip install need not compile the native scanner
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    status, out = _pre_commit(project, env, "try-repo", str(ROOT), "ctxfix-scan", "--all-files")
    assert status == 1, out
    assert "ctxfix scan" in out and "Failed" in out
    assert "shop/jobs.py:7:1: CTX101 " in out
    assert "migrations" not in out.split("Failed", 1)[1], "[tool.ctxfix] is read"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_local_hook_of_the_user_guide_runs_the_ctxfix_on_path(tmp_path, thread_module):
    """The user guide's `repo: local` form, for ctxfix installed without a repository URL."""
    pytest.importorskip("pre_commit", reason="pip install pre-commit (in ctxfix[test])")
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    block = guide.split("- repo: local", 1)[1].split("```", 1)[0]
    config = "repos:\n- repo: local" + block
    (hook,) = yaml.safe_load(config)["repos"][0]["hooks"]
    (declared,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {k: v for k, v in hook.items() if k != "language"} == {
        k: declared[k] for k in hook if k != "language"
    }
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "jobs.py").write_text(thread_module)
    (project / ".pre-commit-config.yaml").write_text(config)
    _git("init", "-q", cwd=project)
    _git("add", ".", cwd=project)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    status, out = _pre_commit(project, env, "run", "ctxfix-scan", "--all-files")
    assert status == 1, out
    assert "shop/jobs.py:7:1: CTX101 " in out
