"""The commands through click's CliRunner: exit codes, output, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctxfix.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


def test_explain_names_cause_and_user_frame(runner, tmp_path, real_tracebacks):
    path = write(tmp_path, "tb.txt", real_tracebacks["thread"])
    result = runner.invoke(cli, ["explain", "--format", "json", path])
    assert result.exit_code == 0, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["cause"] == "background-thread"
    assert finding["variant"] == "app-data"
    assert finding["error"] == "app-context"
    assert finding["proxy"] == "current_app"
    assert finding["location"]["function"] == "send_receipt"
    assert finding["location"]["path"].endswith("program.py")
    assert finding["exception"]["type"] == "RuntimeError"
    assert "threading.Thread" in " ".join(finding["evidence"])
    assert "def send_receipt(app" in finding["fix"]  # the template used the user's function name
    assert "ctxfix verify: ok" in finding["verify"]["code"]
    assert set(finding["quick_reference"]) == {"scenario", "fix"}
    assert finding["occurrences"] == 1


def test_explain_json_has_every_documented_key(runner, tmp_path, real_tracebacks):
    path = write(tmp_path, "tb.txt", real_tracebacks["script"])
    doc = json.loads(runner.invoke(cli, ["explain", "--format", "json", path]).stdout)
    assert doc["report_version"] == 2
    keys = {
        "cause",
        "variant",
        "candidates",
        "error",
        "exception",
        "proxy",
        "location",
        "evidence",
        "title",
        "why",
        "fix",
        "verify",
        "quick_reference",
        "occurrences",
        "fixes",
        "patch",
    }
    assert keys <= set(doc["findings"][0])


def test_json_version_2_lists_the_fixes_and_version_1_stays(runner, tmp_path, real_tracebacks):
    path = write(tmp_path, "tb.txt", real_tracebacks["thread"])
    v2 = json.loads(runner.invoke(cli, ["explain", "--format", "json", path]).stdout)
    old = runner.invoke(cli, ["explain", "--format", "json", "--report-version", "1", path])
    v1 = json.loads(old.stdout)
    assert (v2["report_version"], v1["report_version"]) == (2, 1)
    (new,), (was,) = v2["findings"], v1["findings"]
    assert [f["variant"] for f in new["fixes"]] == ["app-data"]
    assert all(set(f) == {"title", "variant", "code"} for f in new["fixes"])
    assert new["fix"] == new["fixes"][0]["code"], "fix is the first fix's code, for v1 readers"
    assert set(new["verify"]) == {"code"} and new["verify"]["code"] == was["verify"]
    assert new["patch"] is None
    assert "fixes" not in was and "patch" not in was
    assert was["fix"] == "\n\n".join(f"# {f['title']}\n{f['code']}" for f in new["fixes"])
    same = set(was) - {"fix", "verify"}
    assert {k: was[k] for k in same} == {k: new[k] for k in same}


def test_a_variant_of_its_own_names_its_fixes(kb):
    from ctxfix.render.json_report import finding_record
    from ctxfix.service import explain_text

    text = (ROOT / "tests/tracebacks/flask-3.1.3/celery-task--flask-task-missing.txt").read_text()
    (finding,) = explain_text(text, kb).findings
    record = finding_record(finding, kb)
    assert record["variant"] == "flask-task"
    assert {f["variant"] for f in record["fixes"]} <= {"flask-task", None}
    patched = finding_record(finding, kb, patch="--- a.py\n+++ a.py\n")
    assert patched["patch"] == "--- a.py\n+++ a.py\n"


def test_explain_reads_stdin_and_dash(runner, real_tracebacks):
    for args in (["explain"], ["explain", "-"]):
        result = runner.invoke(cli, args, input=real_tracebacks["script"])
        assert result.exit_code == 0
        assert "standalone-script" in result.stdout
        assert "count_orders" in result.stdout


def test_identical_errors_are_grouped_with_a_count(runner, tmp_path, real_tracebacks):
    log = "\n".join([real_tracebacks["thread"], "INFO request served", real_tracebacks["thread"]])
    path = write(tmp_path, "app.log", log)
    doc = json.loads(runner.invoke(cli, ["explain", "--format", "json", path]).stdout)
    assert len(doc["findings"]) == 1
    assert doc["findings"][0]["occurrences"] == 2
    assert doc["findings"][0]["lines"]["first"] < doc["findings"][0]["lines"]["last"]


def test_several_files_and_kinds(runner, tmp_path, real_tracebacks):
    a = write(tmp_path, "a.txt", real_tracebacks["thread"])
    b = write(tmp_path, "b.txt", real_tracebacks["url_for"])
    doc = json.loads(runner.invoke(cli, ["explain", "--format", "json", a, b]).stdout)
    assert [f["cause"] for f in doc["findings"]] == ["background-thread", "url-for-no-server-name"]


def test_request_in_app_context_only(runner, real_tracebacks):
    result = runner.invoke(cli, ["explain", "--format", "json"], input=real_tracebacks["request"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["error"] == "request-context"
    assert finding["proxy"] == "request"
    assert finding["cause"] == "no-request"


def test_message_alone_gives_family_and_candidates(runner):
    result = runner.invoke(
        cli,
        ["explain", "--format", "json"],
        input="RuntimeError: Working outside of application context.\n",
    )
    assert result.exit_code == 0
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["cause"] is None
    assert finding["error"] == "app-context"
    assert finding["candidates"]
    assert finding["location"] is None
    assert finding["pending_question"] == "where"


def test_answer_settles_what_the_text_cannot(runner):
    result = runner.invoke(
        cli,
        ["explain", "--format", "json", "--answer", "where=scheduled-job"],
        input="RuntimeError: Working outside of application context.\n",
    )
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["cause"] == "scheduled-job"
    assert any("you answered" in e for e in finding["evidence"])


def test_text_output_is_plain_when_piped(runner, real_tracebacks):
    out = runner.invoke(cli, ["explain"], input=real_tracebacks["thread"]).stdout
    assert "\x1b[" not in out
    for heading in (
        "Error:",
        "Cause:",
        "Where:",
        "Evidence:",
        "Why:",
        "Fix:",
        "Verify",
        "Quick reference:",
    ):
        assert heading in out


def test_unrelated_exception_exits_1_and_says_what_it_found(runner, real_tracebacks):
    result = runner.invoke(cli, ["explain"], input=real_tracebacks["unrelated"])
    assert result.exit_code == 1
    assert "1 traceback or error found, none is a Flask context error" in result.stdout
    assert "ValueError" in result.stdout


@pytest.mark.parametrize(
    ("content", "code", "needle"),
    [
        ("", 2, "empty"),
        ("   \n\t\n", 2, "empty"),
        (bytes(range(256)) * 40, 2, "binary"),
        (b"\xff\xfe caf\xe9 Traceback? no \x81\n" * 3, 1, "no traceback"),
        ("x" * (5 * 1024 * 1024), 1, "no traceback"),
        (
            'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\n    main()\n',
            1,
            "cut off",
        ),
    ],
    ids=["empty", "whitespace", "binary", "non-utf8", "5mb-line", "cut-off"],
)
def test_bad_input_gets_one_line_and_no_traceback(runner, tmp_path, content, code, needle):
    path = write(tmp_path, "input.txt", content)
    result = runner.invoke(cli, ["explain", path])
    assert result.exit_code == code, result.output
    assert needle in result.output
    assert "Traceback (most recent call last)" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1


def test_missing_file_and_folder(runner, tmp_path):
    result = runner.invoke(cli, ["explain", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = runner.invoke(cli, ["explain", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_unknown_format_is_usage_error(runner):
    result = runner.invoke(cli, ["explain", "--format", "xml"], input="x")
    assert result.exit_code == 2
    assert "xml" in result.output


def test_show_prints_the_whole_page(runner, kb):
    result = runner.invoke(cli, ["show", "celery-task"])
    assert result.exit_code == 0
    cause = kb.causes["celery-task"]
    assert cause.title in result.stdout
    for part in ("Why", "Fix:", "Verify", "Quick reference:", "By Flask version"):
        assert part in result.stdout
    assert "flask-task" in result.stdout and "context-task" in result.stdout


def test_show_unknown_names_the_closest(runner):
    result = runner.invoke(cli, ["show", "celery-tasks"])
    assert result.exit_code == 2
    assert "unknown cause 'celery-tasks'" in result.stderr
    assert "celery-task" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "text"])
def test_table_lists_every_cause(runner, kb, fmt):
    result = runner.invoke(cli, ["table", "--format", fmt])
    assert result.exit_code == 0
    for cid in kb.causes:
        assert cid in result.stdout
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["report_version"] == 1
        assert {r["cause"] for r in doc["rows"]} == set(kb.causes)
        assert all(r["scenario"] and r["fix"] for r in doc["rows"])
    if fmt == "csv":
        assert result.stdout.splitlines()[0] == "cause,scenario,fix"


def test_lint_bundled_knowledge_is_clean(runner):
    result = runner.invoke(cli, ["lint"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.stdout


def test_version(runner):
    from ctxfix import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_user_cause_replaces_bundled_and_attaches_to_tree(runner, tmp_path):
    folder = tmp_path / "mine" / "scheduled-job"
    folder.mkdir(parents=True)
    (folder / "cause.yaml").write_text(
        (ROOT / "knowledge" / "causes" / "scheduled-job" / "cause.yaml")
        .read_text()
        .replace("title: Flask context used in a scheduled job", "title: Our cron runner job")
    )
    extra = tmp_path / "mine" / "huey-periodic"
    extra.mkdir()
    (extra / "cause.yaml").write_text(
        """\
id: huey-periodic
title: Flask context used in our in-house worker
summary: The in-house worker runs jobs with no Flask context.
families: [app-context]
why: >-
  Our worker calls jobs directly. It never pushes a context. Push one in the job.
fix:
  - title: Push a context
    code: |
      with app.app_context():
          {{function|job}}()
verify: |
  print("ctxfix verify: ok")
quick_reference:
  scenario: In-house worker job
  fix: "`with app.app_context():`"
evidence:
  - id: inhouse
    frame: {path: 'inhouse/worker\\.py$'}
    weight: 9
    says: our worker ran it ({frame})
tree:
  question: where
  label: Our in-house worker
"""
    )
    args = ["--knowledge-dir", str(tmp_path / "mine")]
    result = runner.invoke(cli, args + ["show", "scheduled-job"])
    assert "Our cron runner job" in result.stdout
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/srv/venv/lib/python3.11/site-packages/inhouse/worker.py", line 9, in run\n'
        "    job()\n"
        '  File "/srv/app/jobs.py", line 3, in nightly\n'
        "    current_app.logger.info('x')\n"
        "RuntimeError: Working outside of application context.\n"
    )
    doc = json.loads(runner.invoke(cli, args + ["explain", "--format", "json"], input=tb).stdout)
    assert doc["findings"][0]["cause"] == "huey-periodic"
    result = runner.invoke(
        cli, args + ["diagnose", "--answer", "error=app-context", "--answer", "where=huey-periodic"]
    )
    assert result.exit_code == 0, result.output
    assert "in-house worker" in result.stdout


def test_knowledge_path_env_and_broken_user_knowledge(runner, tmp_path, monkeypatch):
    bad = tmp_path / "bad" / "oops"
    bad.mkdir(parents=True)
    (bad / "cause.yaml").write_text("id: oops\ntitle: [broken\n")
    monkeypatch.setenv("CTXFIX_KNOWLEDGE_PATH", str(tmp_path / "bad"))
    result = runner.invoke(cli, ["table", "--format", "csv"])
    assert result.exit_code == 2
    assert "CTX001" in result.stderr
    assert "knowledge is broken" in result.stderr
    assert "Traceback (most recent call last)" not in result.output


def test_diagnose_with_answers_ends_on_the_page(runner):
    result = runner.invoke(
        cli,
        [
            "diagnose",
            "--answer",
            "error=app-context",
            "--answer",
            "where=celery-task",
            "--answer",
            "celery-version=flask-task",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "celery-task (flask-task)" in result.stdout
    assert "celery_init_app" in result.stdout


def test_diagnose_without_terminal_names_the_missing_question(runner, monkeypatch):
    monkeypatch.setenv("CTXFIX_NO_TTY", "1")
    result = runner.invoke(cli, ["diagnose", "--answer", "error=app-context"])
    assert result.exit_code == 2
    assert "--answer where=CHOICE" in result.stderr
    assert "celery-task" in result.stderr


def test_diagnose_reads_traceback_from_stdin(runner, monkeypatch, real_tracebacks):
    monkeypatch.setenv("CTXFIX_NO_TTY", "1")
    result = runner.invoke(cli, ["diagnose", "--format", "json"], input=real_tracebacks["thread"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"][0]["cause"] == "background-thread"
