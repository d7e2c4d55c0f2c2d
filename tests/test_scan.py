"""ctxfix scan: the annotated fixture project, project-wide verdicts, controls, formats."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from ctxfix import scan
from ctxfix.scan import RULES, ScanUsageError, scan_paths, scan_source
from ctxfix.scan.project import Project

HERE = Path(__file__).parent
PROJECT = HERE / "fixtures" / "scan_project"

CAUSE_IDS = {
    "standalone-script",
    "interactive-shell",
    "background-thread",
    "celery-task",
    "task-queue",
    "scheduled-job",
    "pytest-test",
    "cli-command",
    "import-time",
    "app-setup",
    "streaming-response",
    "no-request",
    "url-for-no-server-name",
    "async-task",
    "socketio-emit",
}

_EXPECT = re.compile(r"#.*\bexpect:\s*(CTX\d{3}(?:\s*,\s*CTX\d{3})*)")
_OK = re.compile(r"#.*\bok\b")


def _annotations() -> tuple[set[tuple[str, int, str]], set[tuple[str, int]]]:
    expected: set[tuple[str, int, str]] = set()
    ok: set[tuple[str, int]] = set()
    for path in sorted(PROJECT.rglob("*.py")):
        rel = path.relative_to(PROJECT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = _EXPECT.search(line)
            if m:
                for code in m.group(1).split(","):
                    expected.add((rel, n, code.strip()))
            elif _OK.search(line):
                ok.add((rel, n))
    return expected, ok


def _rel(finding: scan.ScanFinding) -> str:
    return Path(finding.path).resolve().relative_to(PROJECT.resolve()).as_posix()


def test_fixture_project_findings_are_exactly_the_annotated_ones() -> None:
    expected, ok = _annotations()
    report = scan_paths([str(PROJECT)])
    assert report.errors == []
    found = {(_rel(f), f.line, f.rule) for f in report.findings}
    missing = sorted(expected - found)
    unexpected = sorted(found - expected)
    assert not missing, f"planted bugs not found: {missing}"
    assert not unexpected, f"findings without an `# expect:` annotation: {unexpected}"
    flagged_ok = sorted((p, n) for p, n, _ in found if (p, n) in ok)
    assert not flagged_ok, f"correct twins flagged: {flagged_ok}"
    assert len(ok) >= 40  # every planted bug has a twin nearby; keep them from being dropped


def test_every_rule_has_a_planted_bug_and_a_known_cause() -> None:
    expected, _ = _annotations()
    planted = {code for _, _, code in expected}
    assert planted == set(RULES)
    for rule in RULES.values():
        assert rule.cause in CAUSE_IDS, rule
        assert re.fullmatch(r"CTX1\d\d", rule.code)


def test_rule_causes_exist_in_the_knowledge_base() -> None:
    causes = HERE.parent / "knowledge" / "causes"
    present = {p.name for p in causes.iterdir() if p.is_dir()} if causes.is_dir() else set()
    if not present:
        pytest.skip("knowledge/causes is not populated yet")
    assert {r.cause for r in RULES.values()} <= present


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


SHARED_TASK = """
    from celery import shared_task
    from flask import current_app

    @shared_task
    def job():
        return current_app.name
"""


def test_shared_task_is_flagged_when_the_only_celery_app_is_plain(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {"tasks.py": SHARED_TASK, "worker.py": "from celery import Celery\ncelery = Celery()\n"},
    )
    report = scan_paths([str(root)])
    assert [(Path(f.path).name, f.line, f.rule) for f in report.findings] == [
        ("tasks.py", 7, "CTX106")
    ]
    assert report.findings[0].cause == "celery-task"


def test_shared_task_is_silent_when_no_celery_app_was_seen(tmp_path: Path) -> None:
    root = _project(tmp_path, {"tasks.py": SHARED_TASK})
    assert scan_paths([str(root)]).findings == []


def test_shared_task_is_silent_with_flask_celeryext(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "tasks.py": SHARED_TASK,
            "ext.py": "from flask_celeryext import FlaskCeleryExt\nfrom celery import Celery\n"
            "celery = Celery()\next = FlaskCeleryExt()\n",
        },
    )
    assert scan_paths([str(root)]).findings == []


def test_a_syntax_error_is_a_note_and_the_findings_decide_the_exit_status(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "a_broken.py": "from flask import g\ndef f(:\n    pass\n",
            "b_module.py": "from flask import g\ng.x = 1\n",
        },
    )
    report = scan_paths([str(root)])
    assert [(Path(e.path).name, e.line) for e in report.errors] == [("a_broken.py", 2)]
    assert "syntax error" in report.errors[0].message
    assert [(Path(f.path).name, f.rule) for f in report.findings] == [("b_module.py", "CTX104")]
    assert report.files == 2
    assert scan.exit_code(report) == 1
    strict = scan_paths([str(root)], strict=True)
    assert scan.exit_code(strict) == 2
    (root / "b_module.py").write_text("import flask\n", encoding="utf-8")
    assert scan.exit_code(scan_paths([str(root)])) == 0


def test_newer_syntax_than_this_python_is_a_note(tmp_path: Path) -> None:
    # A PEP 695 type alias (3.12) or a 3.12 f-string with nested quotes, read by an older Python.
    newer = 'from flask import g\ntype Point = tuple[float, float]\nx = f"{"a"}"\n'
    root = _project(tmp_path, {"new.py": newer, "old.py": "from flask import g\ng.x = 1\n"})
    report = scan_paths([str(root)])
    assert [f.rule for f in report.findings] == ["CTX104"]
    assert scan.exit_code(report) == 1
    if sys.version_info < (3, 12):
        [note] = report.errors
        assert note.path.endswith("new.py") and "cannot parse" in note.message
        assert note.format().split(": ")[1] == "note"


def test_a_module_that_names_nothing_flask_related_still_links_a_chain(tmp_path: Path) -> None:
    # b.py names no Flask word, but the thread target it defines calls c.helper, which uses
    # current_app: every file is read, or the chain breaks and the bug is missed.
    root = _project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import threading\nfrom .b import work\n\n\n"
            "def start():\n    threading.Thread(target=work).start()\n",
            "pkg/b.py": "from .c import helper\n\n\ndef work():\n    return helper()\n",
            "pkg/c.py": "from flask import current_app\n\n\n"
            "def helper():\n    return current_app.config['X']\n",
        },
    )
    report = scan_paths([str(root)])
    assert [(Path(f.path).name, f.line, f.rule) for f in report.findings] == [("a.py", 6, "CTX101")]
    assert "through `helper()`" in report.findings[0].message


def test_a_broken_file_that_names_nothing_flask_related_is_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path, {"plain.py": "def f(:\n", "app.py": "import flask\n"})
    report = scan_paths([str(root)])
    assert [(Path(e.path).name, e.line) for e in report.errors] == [("plain.py", 1)]
    assert report.findings == [] and scan.exit_code(report) == 0


def test_parallel_scan_gives_the_same_report() -> None:
    serial = scan_paths([str(PROJECT)], jobs=1)
    parallel = scan_paths([str(PROJECT)], jobs=2)
    assert parallel.findings == serial.findings and parallel.files == serial.files
    assert len(serial.findings) > 30


def test_scanning_never_runs_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = _project(
        tmp_path / "src",
        {"boom.py": f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n"},
    )
    report = scan_paths([str(root)])
    assert report.findings == [] and report.errors == []
    assert not marker.exists()


def test_exit_codes(tmp_path: Path) -> None:
    clean = _project(tmp_path / "clean", {"m.py": "x = 1\n"})
    dirty = _project(tmp_path / "dirty", {"m.py": "from flask import request\nq = request.args\n"})
    assert scan.exit_code(scan_paths([str(clean)])) == 0
    assert scan.exit_code(scan_paths([str(dirty)])) == 1


def test_select_and_ignore_filter_by_code_prefix() -> None:
    only = scan_paths([str(PROJECT)], select=["CTX104"])
    assert only.findings and {f.rule for f in only.findings} == {"CTX104"}
    family = scan_paths([str(PROJECT)], select=["CTX10"])
    assert {f.rule for f in family.findings} == {c for c in RULES if c.startswith("CTX10")}
    rest = scan_paths([str(PROJECT)], ignore=["CTX104", "CTX109"])
    assert "CTX104" not in {f.rule for f in rest.findings}
    assert "CTX109" not in {f.rule for f in rest.findings}
    assert len(rest.findings) == (
        len(scan_paths([str(PROJECT)]).findings)
        - len(only.findings)
        - len(scan_paths([str(PROJECT)], select=["CTX109"]).findings)
    )


def test_parse_codes_accepts_lists_and_rejects_unknown_codes() -> None:
    assert scan.parse_codes(["ctx101,CTX102", "CTX11"]) == ["CTX101", "CTX102", "CTX11"]
    assert scan.parse_codes(["ALL"]) == []
    with pytest.raises(ScanUsageError, match="CTX999"):
        scan.parse_codes(["CTX999"])


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ScanUsageError, match="no such file"):
        scan_paths([str(tmp_path / "nope")])


def test_hidden_and_virtualenv_folders_are_skipped(tmp_path: Path) -> None:
    bad = "from flask import g\ng.x = 1\n"
    root = _project(
        tmp_path,
        {".venv/lib/x.py": bad, "venv/y.py": bad, "__pycache__/z.py": bad, "pkg/real.py": bad},
    )
    files = [Path(p).relative_to(root).as_posix() for p in scan.iter_python_files([str(root)])]
    assert files == ["pkg/real.py"]


def test_a_bare_ignore_comment_silences_every_rule() -> None:
    src = "from flask import g\ng.a = 1  # ctxfix: ignore\ng.b = 2  # ctxfix: ignore[CTX101]\n"
    assert [(f.line, f.rule) for f in scan_source(src, "m.py")] == [(3, "CTX104")]


def test_scan_source_raises_on_bad_syntax() -> None:
    with pytest.raises(SyntaxError):
        scan_source("def (:\n")


def test_flask_module_attribute_access_is_recognised() -> None:
    src = "import flask\nNAME = flask.current_app.name\n"
    [finding] = scan_source(src, "m.py")
    assert (finding.line, finding.col, finding.rule) == (2, 8, "CTX104")
    assert "flask.current_app" in finding.message


def test_contextvars_copy_is_a_correct_twin() -> None:
    src = textwrap.dedent(
        """
        import contextvars
        from concurrent.futures import ThreadPoolExecutor
        from flask import current_app

        pool = ThreadPoolExecutor()

        def work():
            return current_app.name

        def view():
            ctx = contextvars.copy_context()
            pool.submit(ctx.run, work)
            pool.submit(work)
        """
    )
    assert [(f.line, f.rule) for f in scan_source(src)] == [(14, "CTX101")]


def test_text_output_line_format() -> None:
    report = scan_paths([str(PROJECT / "app" / "import_time.py")])
    text = scan.format_text(report)
    first = text.splitlines()[0]
    assert re.fullmatch(r".+import_time\.py:9:9: CTX104 `current_app` .+ \[import-time\]", first)
    assert "ctxfix show import-time" in text.splitlines()[-1]
    assert scan.format_text(scan.ScanReport()) == ""


def test_json_output() -> None:
    report = scan_paths([str(PROJECT / "app" / "streaming.py")])
    data = json.loads(scan.format_json(report))
    assert data["report_version"] == 1
    assert data["errors"] == []
    assert len(data["findings"]) == len(report.findings) > 0
    first = data["findings"][0]
    assert set(first) == {"rule", "cause", "path", "line", "col", "message"}
    assert first["rule"] == "CTX109" and first["cause"] == "streaming-response"
    assert first["path"].endswith("app/streaming.py")
    assert isinstance(first["line"], int) and isinstance(first["col"], int)


def test_sarif_output_has_the_shape_code_scanning_reads(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "bad.py": "import flask\ndef f(:\n",
            "mod.py": "from flask import session\nS = session.get('x')\n",
        },
    )
    report = scan_paths([str(root)])
    data = json.loads(scan.format_sarif(report, version="9.9"))
    assert data["version"] == "2.1.0"
    assert "sarif-2.1.0" in data["$schema"]
    [run] = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ctxfix" and driver["version"] == "9.9"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(RULES)
    [result] = run["results"]
    assert result["ruleId"] == "CTX104"
    assert ids[result["ruleIndex"]] == "CTX104"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 5}
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("mod.py") and "\\" not in uri
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True  # a file it cannot parse is a note
    [note] = invocation["toolExecutionNotifications"]
    assert "syntax error" in note["message"]["text"] and note["level"] == "warning"
    strict = json.loads(scan.format_sarif(scan_paths([str(root)], strict=True)))
    [strict_run] = strict["runs"]
    assert strict_run["invocations"][0]["executionSuccessful"] is False
    assert strict_run["invocations"][0]["toolExecutionNotifications"][0]["level"] == "error"


EXAMPLES = sorted((HERE.parent / "knowledge" / "causes").glob("*/examples/*"))
# Broken examples that a static scan cannot or should not flag, and why.
NOT_STATIC = {
    "cli-command/add-command-before-2-2": "it fails only on Flask < 2.2, and scan assumes 2.2+",
}


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{p.parts[-3]}/{p.name}" for p in EXAMPLES] or None
)
def test_bundled_examples_broken_is_flagged_and_fixed_is_clean(example: Path) -> None:
    cause = example.parts[-3]
    fixed = scan_paths([str(example / "fixed")]) if (example / "fixed").is_dir() else None
    if fixed is not None:
        assert fixed.errors == []
        assert fixed.findings == [], "a correct twin is flagged"
    scanned_causes = {r.cause for r in RULES.values()}
    key = f"{cause}/{example.name}"
    if cause not in scanned_causes or key in NOT_STATIC or not (example / "broken").is_dir():
        return
    broken = scan_paths([str(example / "broken")])
    assert cause in {f.cause for f in broken.findings}, (
        f"scan misses {key}; if no static rule can see it, add it to NOT_STATIC with the reason"
    )


def test_cli_scan_reports_findings_and_exits_1() -> None:
    from click.testing import CliRunner

    from ctxfix.cli import cli

    result = CliRunner().invoke(cli, ["scan", str(PROJECT / "app" / "threads.py")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(
        re.match(r".+threads\.py:\d+:\d+: CTX10[123] .+ \[background-thread\]$", x)
        for x in lines[:-1]
    )
    assert lines[-1].startswith("Found ")


def test_cli_scan_formats_and_controls(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ctxfix.cli import cli

    runner = CliRunner()
    target = str(PROJECT / "app" / "import_time.py")
    as_json = runner.invoke(cli, ["scan", "--format", "json", "--ignore", "CTX104", target])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {"report_version": 1, "findings": [], "errors": []}
    sarif = runner.invoke(cli, ["scan", "--format", "sarif", "--select", "CTX104", target])
    assert sarif.exit_code == 1
    assert json.loads(sarif.stdout)["runs"][0]["results"][0]["ruleId"] == "CTX104"
    clean = _project(tmp_path / "clean", {"ok.py": "import flask\n"})
    ok = runner.invoke(cli, ["scan", str(clean)])
    assert (ok.exit_code, ok.stdout) == (0, "")
    assert "no problems found in 1 files" in ok.stderr


def test_cli_scan_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ctxfix.cli import cli

    runner = CliRunner()
    bad_code = runner.invoke(cli, ["scan", "--select", "CTX999", str(PROJECT)])
    assert bad_code.exit_code == 2
    assert bad_code.stderr.strip().splitlines() == [
        f"ctxfix: unknown rule code 'CTX999' (known: {min(RULES)}-{max(RULES)})"
    ]
    missing = runner.invoke(cli, ["scan", str(tmp_path / "gone")])
    assert missing.exit_code == 2
    assert missing.stderr.strip().splitlines() == [
        f"ctxfix: no such file or directory: {tmp_path / 'gone'}"
    ]
    broken = _project(tmp_path / "b", {"x.py": "import flask\ndef f(:\n"})
    result = runner.invoke(cli, ["scan", str(broken)])
    assert result.exit_code == 0
    assert re.fullmatch(r".+x\.py:2:\d+: note: syntax error: .+", result.stderr.splitlines()[0])
    strict = runner.invoke(cli, ["scan", "--strict", str(broken)])
    assert strict.exit_code == 2
    assert re.fullmatch(r".+x\.py:2:\d+: error: syntax error: .+", strict.stderr.splitlines()[0])


REQUEST_TASKS = """
    from contextlib import ExitStack

    from celery import Celery, Task
    from flask import Flask, session

    app = Flask(__name__)


    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            with ExitStack() as stack:
                stack.enter_context(app.app_context())
                if getattr(self, "request_context", False):
                    stack.enter_context(app.test_request_context())
                return super().__call__(*args, **kwargs)


    celery = Celery(__name__, task_cls=AppTask)


    @celery.task(request_context=True)
    def build_site():
        return session.get("lang")
"""


def test_a_task_class_that_can_push_a_request_context_silences_ctx111(tmp_path: Path) -> None:
    root = _project(tmp_path / "with", {"tasks.py": REQUEST_TASKS})
    assert scan_paths([str(root)]).findings == []
    plain = REQUEST_TASKS.replace("stack.enter_context(app.test_request_context())", "pass")
    root = _project(tmp_path / "without", {"tasks.py": plain})
    assert [f.rule for f in scan_paths([str(root)]).findings] == ["CTX111"]


def test_a_celery_app_made_aware_through_a_parameter(tmp_path: Path) -> None:
    configure = """
        def configure_celery(app, celery):
            class ContextTask(celery.Task):
                def __call__(self, *args, **kwargs):
                    with app.app_context():
                        return super().__call__(*args, **kwargs)

            celery.Task = ContextTask
    """
    tasks = """
        from flask import current_app

        from ext import celery

        @celery.task
        def name():
            return current_app.name
    """
    one = _project(
        tmp_path / "one",
        {
            "ext.py": "from celery import Celery\ncelery = Celery()\n",
            "app.py": configure,
            "tasks.py": tasks,
        },
    )
    assert scan_paths([str(one)]).findings == []  # the only Celery app: that one is aware
    plain = _project(
        tmp_path / "plain",
        {"ext.py": "from celery import Celery\ncelery = Celery()\n", "tasks.py": tasks},
    )
    assert [f.rule for f in scan_paths([str(plain)]).findings] == ["CTX106"]


def test_files_with_the_same_module_name_are_all_scanned(tmp_path: Path) -> None:
    bug = "from flask import current_app\nNAME = current_app.name\n"
    root = _project(tmp_path, {"one/settings.py": bug, "two/settings.py": bug})
    found = sorted(Path(f.path).parent.name for f in scan_paths([str(root)]).findings)
    assert found == ["one", "two"]


def test_a_second_file_of_the_same_module_name_still_imports_the_project(tmp_path: Path) -> None:
    # Two scripts named run.py (no packages around them) both call a project helper that needs
    # the app: the second is modelled under a name of its own, and must keep the project's
    # packages in view, or its import of myapp.jobs is dropped and its bug is missed.
    script = "from myapp.jobs import work\n\nif __name__ == '__main__':\n    work()\n"
    root = _project(
        tmp_path,
        {
            "myapp/__init__.py": "",
            "myapp/jobs.py": "from flask import current_app\n\n\n"
            "def work():\n    return current_app.config['REPORT_DIR']\n",
            "scripts/run.py": script,
            "tools/run.py": script,
        },
    )
    found = sorted((Path(f.path).parent.name, f.rule) for f in scan_paths([str(root)]).findings)
    assert found == [("scripts", "CTX110"), ("tools", "CTX110")]


def test_module_code_a_worker_imports_with_no_context(tmp_path: Path) -> None:
    # tasks.py is loaded by the Celery worker by name (nothing imports it); what it imports at
    # its top runs with no context, unless a worker script pushes one for good first.
    files = {
        "shop/__init__.py": "",
        "shop/pricing.py": "from flask import current_app\n\n"
        "CURRENCY = current_app.config['CURRENCY']\n",
        "shop/tasks.py": "from celery import shared_task\n\nfrom .pricing import CURRENCY\n\n\n"
        "@shared_task\ndef report(total):\n    return f'{total} {CURRENCY}'\n",
    }
    root = _project(tmp_path / "plain", files)
    found = [(Path(f.path).name, f.line, f.rule) for f in scan_paths([str(root)]).findings]
    assert found == [("pricing.py", 3, "CTX104")]
    worker = "from flask import Flask\n\napp = Flask(__name__)\napp.app_context().push()\n"
    root = _project(tmp_path / "pushed", {**files, "celery_worker.py": worker})
    assert scan_paths([str(root)]).findings == []


_LINKS = (
    "import click\nfrom flask import Flask, url_for\n\napp = Flask(__name__)\n\n\n"
    "@app.cli.command()\ndef remind():\n    click.echo(url_for('index', _external=True))\n"
)


@pytest.mark.parametrize(
    ("settings", "flagged"),
    [
        ('"""Set SERVER_NAME in production."""\n', True),  # a docstring configures nothing
        ('def failed(e):\n    return "SERVER_NAME" in str(e)\n', True),  # nor a comparison
        ('from links import app\n\napp.config["SERVER_NAME"] = "example.com"\n', False),
        ("class Config:\n    SERVER_NAME = 'example.com'\n", False),
        ("from links import app\n\napp.config.update(SERVER_NAME='example.com')\n", False),
        ("DEFAULTS = {'SERVER_NAME': 'example.com'}\n", False),
    ],
)
def test_server_name_counts_where_code_configures_it(
    tmp_path: Path, settings: str, flagged: bool
) -> None:
    root = _project(tmp_path, {"links.py": _LINKS, "settings.py": settings})
    rules = [f.rule for f in scan_paths([str(root)]).findings]
    assert rules == (["CTX114"] if flagged else [])


def test_an_attribute_assigned_from_itself_is_worked_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `self.cmd = self.cmd.replace(...)` on several lines (pgadmin4 9.18 utils/passexec.py):
    # each line's value needs `self.cmd` again, and following every line every time made
    # lines ** 40 steps.
    lines = "".join(f"        self.cmd = self.cmd.replace('{c}', '')\n" for c in "abcdefgh")
    source = (
        "from flask import current_app\n\n\nclass Runner:\n    def __init__(self, cmd):\n"
        "        self.cmd = cmd\n\n    def get(self):\n        self.cmd = str(self.cmd)\n"
        f"{lines}        return current_app.name\n\n\nRunner('x').get()\n"
    )
    steps = 0
    original = Project.target_value

    def counted(self: Project, target: object, depth: int = 0) -> object:
        nonlocal steps
        steps += 1
        return original(self, target, depth)

    monkeypatch.setattr(Project, "target_value", counted)
    root = _project(tmp_path, {"runner.py": source})
    report = scan_paths([str(root)])
    assert [(f.line, f.rule) for f in report.findings] == [(21, "CTX104")]
    assert steps < 1000
