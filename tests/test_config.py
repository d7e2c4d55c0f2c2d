"""Project settings: [tool.ctxfix] in the nearest pyproject.toml, flags winning, --isolated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctxfix import config
from ctxfix.cli import cli

IMPORT_TIME = "from flask import current_app\n\nNAME = current_app.name\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thread_module: str) -> Path:
    """A project with a thread (CTX101) in app/ and in app/migrations/, and an import-time use
    (CTX104) in app/settings.py; the current folder is the project."""
    (tmp_path / "app" / "migrations").mkdir(parents=True)
    (tmp_path / "app" / "jobs.py").write_text(thread_module)
    (tmp_path / "app" / "migrations" / "env.py").write_text(thread_module)
    (tmp_path / "app" / "settings.py").write_text(IMPORT_TIME)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _settings(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "shop"\n\n[tool.ctxfix]\n' + body)
    return path


def _found(runner, *args: str) -> set[tuple[str, str]]:
    result = runner.invoke(cli, ["scan", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    return {(f["path"], f["rule"]) for f in doc["findings"]}


def test_without_settings_everything_is_scanned(runner, project):
    assert _found(runner) == {
        ("app/jobs.py", "CTX101"),
        ("app/migrations/env.py", "CTX101"),
        ("app/settings.py", "CTX104"),
    }


def test_select_ignore_and_per_file_ignores(runner, project):
    _settings(project, 'select = ["CTX10"]\nignore = ["CTX104"]\n')
    assert _found(runner) == {("app/jobs.py", "CTX101"), ("app/migrations/env.py", "CTX101")}
    _settings(project, 'per-file-ignores = { "migrations/*" = ["CTX101"] }\n')
    assert ("app/migrations/env.py", "CTX101") in _found(runner), "relative to the file's folder"
    _settings(
        project, 'per-file-ignores = { "app/migrations/*" = ["CTX1"], "jobs.py" = ["CTX101"] }\n'
    )
    assert _found(runner) == {("app/settings.py", "CTX104")}


def test_exclude_and_extend_exclude(runner, project, thread_module):
    _settings(project, 'extend-exclude = ["migrations"]\n')
    assert ("app/migrations/env.py", "CTX101") not in _found(runner)
    (project / "build").mkdir()
    (project / "build" / "gen.py").write_text(thread_module)
    assert ("build/gen.py", "CTX101") not in _found(runner), "the defaults still apply"
    _settings(project, 'exclude = ["app/settings.py"]\n')
    found = _found(runner)
    assert ("build/gen.py", "CTX101") in found, "exclude replaces the defaults"
    assert ("app/settings.py", "CTX104") not in found
    assert ("app/jobs.py", "CTX101") in found


def test_flags_win_over_the_file_and_isolated_ignores_it(runner, project):
    _settings(project, 'select = ["CTX104"]\n')
    assert _found(runner) == {("app/settings.py", "CTX104")}
    assert _found(runner, "--select", "CTX101") == {
        ("app/jobs.py", "CTX101"),
        ("app/migrations/env.py", "CTX101"),
    }
    assert len(_found(runner, "--isolated")) == 3
    assert _found(runner, "--ignore", "CTX101") == {("app/settings.py", "CTX104")}, "select stays"


def test_the_nearest_file_with_a_table_is_found_from_the_scanned_folder(runner, project, tmp_path):
    _settings(project, 'select = ["CTX104"]\n')
    (project / "app" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runner_in = runner.invoke(cli, ["scan", "-v", str(project / "app")])
    assert f"settings from {project / 'pyproject.toml'}" in runner_in.stderr
    assert "CTX101" not in runner_in.stdout, "the file without [tool.ctxfix] is passed over"
    assert config.find(str(elsewhere)) == str(project / "pyproject.toml")
    assert config.find(str(project / "app" / "jobs.py")) == str(project / "pyproject.toml")


def test_no_file_means_empty_settings(tmp_path):
    settings = config.load(str(tmp_path))
    if settings.path is None:  # unless a folder above the temporary one has settings
        assert settings.select == () and settings.exclude is None
    assert config.load(str(tmp_path), isolated=True).path is None


@pytest.mark.parametrize(
    "body, needle",
    [
        ('selec = ["CTX101"]\n', "has no key 'selec' (did you mean 'select'?)"),
        ("per_file_ignores = {}\n", "did you mean 'per-file-ignores'?"),
        ('select = "CTX101"\n', "select: must be a list of strings, not a string"),
        ('ignore = ["CTX999"]\n', "ignore: unknown rule code 'CTX999'"),
        ('per-file-ignores = { "a.py" = ["NOPE"] }\n', "per-file-ignores: 'a.py': unknown rule"),
        ("exclude = [1]\n", "exclude: must be a list of strings"),
        ('knowledge-dirs = ["missing"]\n', "knowledge-dirs: 'missing' is not a folder"),
        ("project-root = 3\n", "project-root: must be a path, not a number"),
        ("select = [\n", "not valid TOML"),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_the_file(runner, project, body, needle):
    path = _settings(project, body)
    for args in (["scan"], ["table"], ["explain", "--example"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"ctxfix: {path}: "), result.stderr
        assert needle in result.stderr
    assert runner.invoke(cli, ["--isolated", "table"]).exit_code == 0


def test_a_table_that_is_not_a_table(runner, project):
    (project / "pyproject.toml").write_text('[tool]\nctxfix = "yes"\n')
    result = runner.invoke(cli, ["table"])
    assert result.exit_code == 2
    assert "[tool.ctxfix] must be a table, not a string" in result.stderr


def test_knowledge_dirs_and_project_root_are_relative_to_the_file(runner, project, kb):
    mine = project / "mycauses" / "background-thread"
    mine.mkdir(parents=True)
    bundled = Path(kb.causes["background-thread"].path).read_text()
    title = kb.causes["background-thread"].title
    (mine / "cause.yaml").write_text(bundled.replace(title, "Our own thread page"))
    root = "venv/lib/python3.12/site-packages/shop"
    _settings(project, f'knowledge-dirs = ["mycauses"]\nproject-root = "{root}"\n')
    assert "Our own thread page" in runner.invoke(cli, ["show"]).stdout
    assert "Our own thread page" not in runner.invoke(cli, ["--isolated", "show"]).stdout
    assert (
        "Our own thread page"
        not in runner.invoke(cli, ["show", "--knowledge-dir", str(project / "app")]).stdout
    ), "--knowledge-dir replaces knowledge-dirs"

    # Installed into site-packages, the frame is not the user's unless project-root says so.
    site = project / root / "mail.py"
    paste = (
        "Traceback (most recent call last):\n"
        f'  File "{site}", line 3, in send\n'
        '    sender = current_app.config["MAIL_SENDER"]\n'
        "RuntimeError: Working outside of application context.\n"
    )
    args = ["--format", "json", "--answer", "where=standalone-script", "-"]

    def first_reason(*extra: str) -> str:
        result = runner.invoke(cli, ["explain", *extra, *args], input=paste)
        return json.loads(result.stdout)["findings"][0]["frame_reasons"][0]

    assert config.load().project_root == str(project / root)
    assert "mail.py:3 in send: yours" in first_reason()
    assert "mail.py:3 in send: skipped" in first_reason("--isolated")
    assert "skipped" in first_reason("--project-root", "/elsewhere"), "the flag wins"


# ---------------------------------------------------------------------------------------------
# The settings cache: a file that mentions ctxfix is parsed once, then read from ctxfix's cache


def _cache_entries() -> list[Path]:
    import os

    return sorted(Path(os.environ["CTXFIX_CACHE_DIR"]).glob("settings-*.json"))


def test_settings_are_kept_in_the_cache_and_follow_every_edit(project):
    path = _settings(project, 'exclude = ["migrations"]\n')
    assert config.load(str(project)).exclude == ("migrations",)
    (entry,) = _cache_entries()
    assert b'"exclude":["migrations"]' in entry.read_bytes()
    # The same size, another content: the cache is keyed by what the file holds, not its size.
    path.write_text(path.read_text().replace("migrations", "migrationz"))
    assert config.load(str(project)).exclude == ("migrationz",)
    path.write_text('[project]\nname = "ctxfix-demo"\n')  # mentions ctxfix, has no table
    assert config.load(str(project)).path is None
    assert len(_cache_entries()) == 1


def test_a_warm_run_does_not_parse_toml(project, tmp_path):
    """Measured, not assumed: the second run in a fresh interpreter never imports tomllib."""
    import os
    import subprocess
    import sys

    _settings(project, 'exclude = ["migrations"]\n')
    code = (
        "import sys; from ctxfix import config; s = config.load(sys.argv[1]);"
        "print(s.exclude, 'tomllib' in sys.modules)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(project)],
            capture_output=True,
            text=True,
            env=os.environ,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["('migrations',) True", "('migrations',) False"]


def test_a_damaged_cache_entry_is_read_again_and_an_invalid_file_is_never_cached(project):
    from ctxfix.cache import Cache

    _settings(project, 'exclude = ["migrations"]\n')
    config.load(str(project))
    (entry,) = _cache_entries()
    kept = Cache(str(entry.parent)).read(entry.name)
    assert kept is not None
    kept["table"] = ["not", "a", "table"]
    Cache(str(entry.parent)).write(entry.name, kept)
    assert config.load(str(project)).exclude == ("migrations",)
    entry.unlink()
    (project / "pyproject.toml").write_text("[tool.ctxfix\nexclude = 1\n")
    for _ in range(2):
        with pytest.raises(config.ConfigError, match="not valid TOML"):
            config.load(str(project))
    assert _cache_entries() == []


def test_no_cache_means_no_cache_file(project, monkeypatch):
    monkeypatch.setenv("CTXFIX_NO_CACHE", "1")
    _settings(project, 'exclude = ["migrations"]\n')
    assert config.load(str(project)).exclude == ("migrations",)
    assert _cache_entries() == []
