"""The options a Python developer's hands know: -V, -q/-v, global options anywhere, --color with
NO_COLOR and FORCE_COLOR, exit statuses; and the short forms of explain's and show's output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ctxfix import __version__
from ctxfix.cli import cli
from ctxfix.service import example_file

ROOT = Path(__file__).resolve().parent.parent
ESC = "\x1b["


def test_version_short_and_long(runner):
    for flag in ("-V", "--version"):
        result = runner.invoke(cli, [flag])
        assert result.exit_code == 0
        assert result.stdout == f"ctxfix {__version__}\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--no-color", "explain", "--example"],
        ["explain", "--no-color", "--example"],
        ["explain", "--example", "--no-color"],
        ["--color", "never", "explain", "--example"],
        ["explain", "--example", "--color", "never"],
    ],
)
def test_global_options_before_or_after_the_command(runner, monkeypatch, args):
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert ESC not in result.stdout and "╭" not in result.stdout
    assert "Cause:     background-thread (app-data)" in result.stdout


def test_every_command_takes_the_global_options(runner):
    for name, command in cli.commands.items():
        options = {o for p in command.params for o in p.opts}
        missing = {"--color", "--no-color", "--no-pager", "--isolated", "--knowledge-dir"} - options
        assert not missing, f"{name} lacks {missing}"


def test_the_later_global_option_wins(runner):
    result = runner.invoke(cli, ["--color", "never", "table", "--color", "always"])
    assert ESC in result.stdout
    result = runner.invoke(cli, ["--color", "always", "table", "--no-color"])
    assert ESC not in result.stdout


@pytest.mark.parametrize(
    "env, args, coloured",
    [
        ({}, [], False),  # piped
        ({"FORCE_COLOR": "1"}, [], True),  # for `| less -R`
        ({"FORCE_COLOR": ""}, [], False),  # set to nothing is unset (force-color.org)
        ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the flag wins over the variable
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),
        ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
        ({}, ["--color", "always"], True),
        ({}, ["--color", "auto"], False),
    ],
)
def test_color_flag_no_color_and_force_color(runner, monkeypatch, env, args, coloured):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(cli, [*args, "explain", "--example"])
    assert result.exit_code == 0
    assert (ESC in result.stdout) is coloured
    assert ("╭" in result.stdout) is coloured, "colour and rich panels go together"


def test_bad_color_value_is_a_usage_error(runner):
    result = runner.invoke(cli, ["table", "--color", "sometimes"])
    assert result.exit_code == 2
    assert "sometimes" in result.output


def test_explain_quiet_is_one_line_per_finding(runner, tmp_path):
    corpus = ROOT / "tests" / "tracebacks" / "flask-3.1.3"
    log = tmp_path / "all.log"
    log.write_text("".join(p.read_text() for p in sorted(corpus.glob("*.txt"))))
    full = json.loads(runner.invoke(cli, ["explain", "--format", "json", str(log)]).stdout)
    result = runner.invoke(cli, ["explain", "-q", str(log)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(full["findings"]) > 10
    for line, finding in zip(lines, full["findings"]):
        loc = finding["location"]
        where = f"{loc['path']}:{loc['line']}" if loc else "-"
        cause = finding["cause"] or "not settled: " + ", ".join(finding["candidates"])
        assert line == f"{where}: {cause} ({finding['error']})"


def test_explain_quiet_without_a_location_and_without_findings(runner, real_tracebacks):
    result = runner.invoke(
        cli, ["explain", "--quiet"], input="RuntimeError: Working outside of application context.\n"
    )
    assert result.exit_code == 0
    assert re.fullmatch(r"-: not settled: [a-z, -]+ \(app-context\)\n", result.stdout)
    result = runner.invoke(
        cli,
        ["explain", "-q", "--answer", "where=task-queue"],
        input="RuntimeError: Working outside of application context.\n",
    )
    assert result.stdout == "-: task-queue (app-context)\n"
    result = runner.invoke(cli, ["explain", "-q"], input=real_tracebacks["unrelated"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("ctxfix: 1 traceback or error found, none is")


def test_quiet_and_verbose_do_not_go_together(runner):
    for command in (["explain", "--example"], ["scan", str(ROOT / "tests" / "fixtures")]):
        result = runner.invoke(cli, [*command, "-q", "-v"])
        assert result.exit_code == 2
        assert result.stderr == "ctxfix: -q and -v do not go together\n"


def test_scan_quiet_and_verbose(runner, tmp_path, monkeypatch, thread_module):
    (tmp_path / "jobs.py").write_text(thread_module)
    (tmp_path / "clean.py").write_text("print('hi')\n")
    monkeypatch.chdir(tmp_path)
    plain = runner.invoke(cli, ["--isolated", "scan"])
    quiet = runner.invoke(cli, ["--isolated", "scan", "-q"])
    assert plain.exit_code == quiet.exit_code == 1
    assert plain.stdout.splitlines()[-1].startswith("Found 1 problem in 1 file (2 scanned)")
    assert quiet.stdout == plain.stdout.splitlines()[0] + "\n"
    assert quiet.stdout.startswith("jobs.py:7:1: CTX101 ")
    verbose = runner.invoke(cli, ["--isolated", "scan", "-v"])
    assert "settings from no pyproject.toml with [tool.ctxfix]; rules all; 2 files read" in (
        verbose.stderr
    )
    (tmp_path / "jobs.py").unlink()
    quiet = runner.invoke(cli, ["--isolated", "scan", "-q"])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_several_findings_start_with_a_summary_list(runner, tmp_path):
    corpus = ROOT / "tests" / "tracebacks" / "flask-3.1.3"
    files = [corpus / "background-thread--thread-app-config.txt", corpus / "task-queue--rq-job.txt"]
    result = runner.invoke(cli, ["explain", *map(str, files)])
    head = result.stdout.split("\n\n== 1.")[0].splitlines()
    assert head[0] == "ctxfix: 2 Flask context errors found"
    assert re.fullmatch(
        r"  1\. background-thread \(app-context\) +/home/dev/project/shop\.py:7", head[1]
    )
    assert re.fullmatch(r"  2\. task-queue \(app-context\) +\S+\.py:\d+", head[2])
    assert len(head) == 3
    single = runner.invoke(cli, ["explain", str(files[0])])
    assert single.stdout.splitlines()[1] == "", "one finding needs no list"
    rich = runner.invoke(cli, ["--color", "always", "explain", *map(str, files)])
    assert re.search(
        r"1\. background-thread \(app-context\) +/home/dev/project/shop\.py:7", rich.stdout
    )


def test_show_lists_every_cause_and_gives_json(runner, kb):
    listed = runner.invoke(cli, ["show"])
    assert listed.exit_code == 0
    for cause in kb.causes.values():
        line = next(x for x in listed.stdout.splitlines() if x.startswith(cause.id + " "))
        assert cause.title.split()[0] in line
    assert f"{len(kb.causes)} causes" in listed.stdout
    data = json.loads(runner.invoke(cli, ["show", "--format", "json"]).stdout)
    assert [c["id"] for c in data["causes"]] == list(kb.causes)
    assert data["causes"][0]["families"] == list(kb.causes[data["causes"][0]["id"]].families)
    page = json.loads(runner.invoke(cli, ["show", "celery-task", "--format", "json"]).stdout)
    cause = kb.causes["celery-task"]
    assert page["report_version"] == 1
    assert (page["id"], page["title"], page["why"]) == (cause.id, cause.title, cause.why)
    assert [f["title"] for f in page["fixes"]] == [s.title for s in cause.fix]
    assert {"title", "variant", "code"} == set(page["fixes"][0])
    assert page["quick_reference"] == cause.quick_reference
    markdown = runner.invoke(cli, ["show", "--format", "markdown"]).stdout
    assert markdown.startswith("| Cause | Title | Error families |")
    unknown = runner.invoke(cli, ["show", "zzzzzz"])
    assert unknown.stderr == "ctxfix: unknown cause 'zzzzzz'; `ctxfix show` lists them\n"


def test_lint_exit_statuses(runner, tmp_path):
    assert runner.invoke(cli, ["lint"]).exit_code == 0
    fixture = ROOT / "tests" / "lint_fixtures" / "CTX001"
    assert runner.invoke(cli, ["lint", str(fixture)]).exit_code == 1
    missing = runner.invoke(cli, ["lint", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
    assert runner.invoke(cli, ["lint", "--bogus"]).exit_code == 2


def test_explain_example_works_anywhere(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["explain", "--example"])
    assert result.exit_code == 0
    assert "Cause:     background-thread (app-data)" in result.stdout
    corpus = (
        ROOT / "tests" / "tracebacks" / "flask-3.1.3" / "background-thread--thread-app-config.txt"
    )
    assert Path(example_file()).read_bytes() == corpus.read_bytes(), "a real capture"
    both = runner.invoke(cli, ["explain", "--example", "error.txt"])
    assert both.exit_code == 2


def _exit_table() -> dict[str, list[str]]:
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    section = guide.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table: dict[str, list[str]] = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for name in re.findall(r"`([a-z]+)`", cells[0]):
            table[name] = cells[1:]
    return table


def test_the_user_guide_has_one_table_of_every_exit_status():
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    assert guide.count("## Exit status") == 1
    table = _exit_table()
    assert set(table) == set(cli.commands), "every command has a row"
    assert table["lint"][1] and table["lint"][2], "lint: 1 problems, 2 usage"
    assert table["completion"][2], "completion: 2 for an unknown shell"
    assert "--output" in table["docs"][2]


def test_the_readme_starts_with_a_command_that_works_anywhere(tmp_path):
    """The README's first command, run outside any checkout, prints what the README shows."""
    import os
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    block = readme.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    assert command == "$ ctxfix explain --example"
    install = readme.split("## Install and try it", 1)[1].split("```console\n", 1)[1]
    assert install.startswith("$ pip install . && ctxfix explain --example\n")
    proc = subprocess.run(
        [sys.executable, "-m", "ctxfix", *command.split()[2:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.splitlines()
    for line in shown:
        if line.startswith(("Seen:", "  eventlet)")):  # where it is installed; the Why, cut
            continue
        assert line in printed, f"the README shows a line explain does not print: {line!r}"


def test_verbose_wherever_there_is_detail(runner, monkeypatch):
    monkeypatch.setenv("CTXFIX_NO_TTY", "1")
    args = ["diagnose", "--answer", "error=app-context", "--answer", "where=task-queue"]
    plain = runner.invoke(cli, args)
    verbose = runner.invoke(cli, [*args, "-v"])
    assert plain.exit_code == verbose.exit_code == 0
    assert "Tree:" not in plain.stdout
    shown = " ".join(verbose.stdout.split())
    assert "Tree: - Which error do you see? -> Working outside of application context." in shown
    assert "Where does the failing code run? -> An RQ, Dramatiq or Huey job" in shown
    for name, command in cli.commands.items():
        if name in ("explain", "diagnose", "scan", "verify"):
            assert "--verbose" in {o for p in command.params for o in p.opts}, name
