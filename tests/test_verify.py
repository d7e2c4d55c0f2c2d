"""`ctxfix verify`: every bundled example is proven, and the runner keeps its promises."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ctxfix import verify
from ctxfix.cli import cli
from ctxfix.knowledge import load

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "verify_knowledge"
MINE = "homegrown-runner"


def _bundled_examples() -> list[verify.Example]:
    examples = verify.find_examples(load(use_cache=False))
    return [ex for ex in examples if ex.name != verify.NO_EXAMPLES]


# ---------------------------------------------------------------------------------------------
# Every bundled example, run once for the whole module with a small pool of workers.


@pytest.fixture(scope="module")
def bundled_report(kb) -> verify.Report:
    return verify.verify(kb, _bundled_examples(), jobs=2)


@pytest.mark.parametrize("label", [ex.label for ex in _bundled_examples()] or ["(no examples)"])
def test_bundled_example_is_proven(bundled_report, label):
    (res,) = [r for r in bundled_report.results if f"{r.cause}/{r.example}" == label]
    (ex,) = [e for e in _bundled_examples() if e.label == label]
    other_flask = ex.flask and not verify.version_matches(verify.flask_version(), ex.flask)
    if res.skipped is not None:
        if os.environ.get("CI") and not other_flask:
            pytest.fail(f"CI must run every example, but {label} was skipped: {res.skipped}")
        pytest.skip(res.skipped)
    detail = "\n".join(res.problems) + "\n--- broken printed:\n" + res.broken_output[-3000:]
    assert res.reproduced, detail
    assert res.diagnosed, detail
    assert res.fixed, detail + "\n--- fixed printed:\n" + res.fixed_output[-3000:]
    assert res.passed


def test_every_bundled_cause_has_an_example(kb):
    bare = [cid for cid, c in kb.causes.items() if not verify.examples_of(c)]
    assert not bare, f"causes without examples (not proven): {bare}"


def test_unknown_cause_is_a_usage_error(runner):
    result = runner.invoke(cli, ["verify", "celery-tsk"])
    assert result.exit_code == 2
    assert "unknown cause 'celery-tsk'; did you mean celery-task" in result.stderr


# ---------------------------------------------------------------------------------------------
# A cause of the user's own (tests/fixtures/verify_knowledge), proven through the real CLI.


def test_user_cause_is_proven_through_the_cli(runner):
    result = runner.invoke(
        cli, ["--knowledge-dir", str(FIXTURE), "verify", MINE, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["report_version"] == 1
    (rec,) = doc["results"]
    assert rec == {
        "cause": MINE,
        "example": "nightly-report",
        "reproduced": True,
        "diagnosed": True,
        "fixed": True,
        "patched": None,
        "no_patch": "ctxfix makes no patch for this cause (its edit is not built in)",
        "skipped": None,
        "seconds": rec["seconds"],
    }
    assert 0 < rec["seconds"] < 60


def _copy_mine(tmp_path: Path) -> Path:
    """A private copy of the fixture cause, to break on purpose."""
    dest = tmp_path / "mine" / MINE
    shutil.copytree(FIXTURE / MINE, dest)
    return dest


def test_fixed_program_that_still_fails_exits_1(runner, tmp_path):
    cause = _copy_mine(tmp_path)
    ex = cause / "examples" / "nightly-report"
    shutil.rmtree(ex / "fixed")
    shutil.copytree(ex / "broken", ex / "fixed")
    result = runner.invoke(cli, ["--knowledge-dir", str(cause.parent), "verify", MINE])
    assert result.exit_code == 1
    row = [ln for ln in result.output.splitlines() if ln.startswith(MINE)]
    assert row and row[0].split()[2:5] == ["yes", "yes", "NO"]
    assert "fixed: exit 1" in result.output
    assert "fixed still prints a context error (app-context)" in result.output
    assert "0 proven, 1 failed, 0 skipped" in result.output


def test_wrong_cause_named_is_not_diagnosed(tmp_path):
    cause = _copy_mine(tmp_path)
    # The job now runs in a thread, not through runner.py: explain names background-thread.
    (cause / "examples" / "nightly-report" / "broken" / "main.py").write_text(
        textwrap.dedent(
            """
            import threading
            from flask import Flask, current_app

            app = Flask(__name__)

            def nightly_report():
                print(current_app.config["DEBUG"])

            with app.app_context():
                t = threading.Thread(target=nightly_report)
                t.start()
                t.join()
            """
        )
    )
    kb = load([str(cause.parent)], use_cache=False)
    (ex,) = verify.examples_of(kb.causes[MINE])
    res = verify.verify_example(kb, ex, [str(cause.parent)])
    assert res.reproduced and res.fixed
    assert not res.diagnosed and not res.passed
    assert res.diagnosis and res.diagnosis != MINE
    assert any(
        p.startswith(f"explain named {res.diagnosis.split()[0]} first") for p in res.problems
    )


def test_wrong_variant_is_not_diagnosed(tmp_path):
    cause = _copy_mine(tmp_path)
    text = (cause / "cause.yaml").read_text()
    (cause / "cause.yaml").write_text(text + "variants:\n  - id: weekly\n    title: A weekly job\n")
    (cause / "examples" / "nightly-report" / "example.yaml").write_text(
        "title: t\nvariant: weekly\nrequires: [flask]\n"
    )
    kb = load([str(cause.parent)], use_cache=False)
    (ex,) = verify.examples_of(kb.causes[MINE])
    res = verify.verify_example(kb, ex, [str(cause.parent)])
    assert res.reproduced and res.fixed and not res.diagnosed
    assert f"explain named {MINE} with variant none, expected {MINE} (weekly)" in res.problems


def test_a_broken_program_that_hangs_fails(tmp_path):
    cause = _copy_mine(tmp_path)
    ex_dir = cause / "examples" / "nightly-report"
    main = ex_dir / "broken" / "main.py"
    main.write_text(
        main.read_text().replace(
            "    run_jobs([nightly_report])",
            "    import time, traceback\n"
            "    try:\n        run_jobs([nightly_report])\n"
            "    except RuntimeError:\n        traceback.print_exc()\n"
            "    time.sleep(60)",
        )
    )
    (ex_dir / "example.yaml").write_text("title: t\nrequires: [flask]\ntimeout: 3\n")
    kb = load([str(cause.parent)], use_cache=False)
    (ex,) = verify.examples_of(kb.causes[MINE])
    res = verify.verify_example(kb, ex, [str(cause.parent)])
    assert "Working outside of application context." in res.broken_output
    assert not res.reproduced and res.fixed and res.failed
    assert res.problems[0] == "broken timed out after 3s: it must end by itself"


# ---------------------------------------------------------------------------------------------
# Skips: what is missing, and how to get it.


def _example(tmp_path: Path, **kw) -> verify.Example:
    for part in ("broken", "fixed"):
        (tmp_path / part).mkdir(exist_ok=True)
    return verify.Example(MINE, "x", tmp_path, title="t", **kw)


def test_missing_module_is_skipped_with_an_install_hint(tmp_path):
    kb = load([str(FIXTURE)], use_cache=False)
    res = verify.verify_example(kb, _example(tmp_path, requires=("flask", "celery_nope_xyz")))
    assert res.skipped == (
        "needs the module celery_nope_xyz: pip install the package that provides it "
        "(often: pip install celery_nope_xyz)"
    )
    assert not res.failed and res.record()["skipped"] == res.skipped


def test_a_virtualenv_made_from_this_python_is_asked_what_it_can_import(tmp_path):
    """Its python links to this interpreter's file, yet it lacks our packages: `verify --flask`
    ran examples needing Quart in Flask 2.3 and 3.0 virtualenvs because of that."""
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=True).create(tmp_path / "env")
    python = str(tmp_path / "env" / "bin" / "python")
    assert verify.missing_modules(["click"]) == []  # here, click is installed
    assert verify.missing_modules(["click", "json"], python) == ["click"]


def test_hint_for_a_module_of_the_verify_extra():
    assert verify.install_hint("flask_sqlalchemy") == (
        'pip install "ctxfix[verify]" (or pip install Flask-SQLAlchemy)'
    )


def test_missing_program_is_skipped_with_a_hint(tmp_path):
    ex = _example(tmp_path, services=("no-such-server-xyz",))
    assert (
        verify.skip_reason(ex) == "needs no-such-server-xyz on PATH: install it and put it on PATH"
    )


def test_other_flask_version_is_skipped(tmp_path):
    ex = _example(tmp_path, flask="<1.0")
    have = verify.flask_version()
    assert verify.skip_reason(ex) == f"runs on Flask <1.0 only; Flask {have} is installed"
    assert verify.skip_reason(_example(tmp_path, flask=f"=={have}")) is None


def test_skipped_examples_do_not_fail_the_run(runner, tmp_path):
    cause = _copy_mine(tmp_path)
    (cause / "examples" / "nightly-report" / "example.yaml").write_text(
        "title: t\nrequires: [flask, not_installed_mod]\n"
    )
    result = runner.invoke(cli, ["--knowledge-dir", str(cause.parent), "verify", MINE])
    assert result.exit_code == 0, result.output
    assert "skipped: needs the module not_installed_mod" in result.output
    assert "0 proven, 0 failed, 1 skipped" in result.output


# ---------------------------------------------------------------------------------------------
# The runner: isolation, timeouts, process groups.


def _program(tmp_path: Path, code: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.py").write_text(textwrap.dedent(code))
    return src


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers; it is gone when /proc says so
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


posix_only = pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")


@posix_only
def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    src = _program(
        tmp_path,
        f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(60)
        """,
    )
    start = time.monotonic()
    run = verify.run_program(["python", "main.py"], src, timeout=2)
    assert time.monotonic() - start < 15
    assert run.timed_out and run.returncode is None
    assert "started" in run.output
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


@posix_only
def test_processes_left_behind_are_stopped_and_noted(tmp_path):
    pidfile = tmp_path / "child.pid"
    src = _program(
        tmp_path,
        f"""
        import subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        """,
    )
    run = verify.run_program(["python", "main.py"], src, timeout=20)
    assert run.returncode == 0 and not run.timed_out and run.leftovers
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_program_runs_in_a_fresh_copy_with_stdin_and_interleaved_output(tmp_path):
    src = _program(
        tmp_path,
        """
        import os, sys
        print("out 1", flush=True)
        print("err 2", file=sys.stderr, flush=True)
        print("read", sys.stdin.read().strip(), flush=True)
        print("cwd", os.getcwd())
        open("made.txt", "w").write("x")
        sys.exit(3)
        """,
    )
    run = verify.run_program(["python", "main.py"], src, stdin="hello\n", timeout=30)
    assert run.returncode == 3
    lines = run.output.splitlines()
    assert lines[:3] == ["out 1", "err 2", "read hello"]
    cwd = lines[3].split(" ", 1)[1]
    assert Path(cwd).name == "project" and Path(cwd) != src
    assert not Path(cwd).exists(), "the temporary folder is removed"
    assert not (src / "made.txt").exists(), "the source folder is never written to"
    assert run.argv[0] == sys.executable


def test_a_program_that_cannot_start_is_reported(tmp_path):
    run = verify.run_program(["no-such-interpreter-xyz"], _program(tmp_path, ""), timeout=5)
    assert run.returncode is None and run.output.startswith("cannot start no-such-interpreter-xyz")


# ---------------------------------------------------------------------------------------------
# example.yaml and version ranges


def test_example_yaml_problems_are_all_reported(tmp_path):
    d = tmp_path / "bad"
    (d / "broken").mkdir(parents=True)
    (d / "example.yaml").write_text(
        "title: ''\nrun: python main.py\nvariant: nope\ntimeout: -1\ncolour: blue\nflask: '>>2'\n"
    )
    ex = verify.load_example(MINE, d, ["weekly"])
    problems = [p.split(": ", 1)[1] for p in ex.problems]
    assert problems == [
        "unknown key 'colour' (known: flask, patch, requires, run, services, stdin, timeout, "
        "title, variant)",
        "'title' must be a line of text",
        "'run' must be a list of arguments, e.g. [python, main.py]",
        "'timeout' must be a positive number of seconds",
        "cause 'homegrown-runner' has no variant 'nope' (weekly)",
        "'flask': cannot read the version range '>>2'",
        "missing (the fixed program goes there)",
    ]
    assert ex.run == ("python", "main.py"), "the default stays when run is unusable"


def test_a_cause_without_examples_fails(tmp_path):
    cause = _copy_mine(tmp_path)
    shutil.rmtree(cause / "examples")
    kb = load([str(cause.parent)], use_cache=False)
    (none,) = verify.find_examples(kb, [MINE])
    assert none.name == verify.NO_EXAMPLES
    res = verify.verify_example(kb, none)
    assert res.failed and res.problems == [f"no examples: add one under {cause}/examples/<name>/"]


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("3.1.3", ">=2.2", True),
        ("2.1.3", ">=2.2", False),
        ("2.2.0", ">=2.2", True),
        ("2.2.5", ">=2.2.3, <3", True),
        ("3.0.0", ">=2.2.3, <3", False),
        ("1.1.4", "<2.0", True),
        ("3.2.0.dev0", "<3.2", True),
        ("3.2.0.dev0", ">=3.2", False),
        ("2.3.3", "==2.3.*", True),
        ("2.30.0", "==2.3.*", False),
        ("2.3.3", "!=2.3.*", False),
        ("2.2.5", "~=2.2", True),
        ("3.0.1", "~=2.2", False),
        ("2.2.5", "~=2.2.0", True),
        ("2.3.0", "~=2.2.0", False),
        ("3.0", "==3.0.0", True),
    ],
)
def test_version_ranges(version, spec, expected):
    assert verify.version_matches(version, spec) is expected


def test_unreadable_version_range():
    with pytest.raises(ValueError):
        verify.version_matches("3.1", "about 3")


# ---------------------------------------------------------------------------------------------
# Drawing the report


def _report() -> verify.Report:
    ok = verify.Result("background-thread", "thread-app-config", True, True, True, seconds=2.04)
    ok.patched = True
    bad = verify.Result("celery-task", "worker", True, False, True, seconds=11.5)
    bad.patched = False
    bad.problems.append("explain named background-thread first, expected celery-task")
    bad.broken_output = "line one\nRuntimeError: Working outside of application context.\n"
    skip = verify.Result("task-queue", "rq-job", skipped="needs redis-server on PATH: install it")
    return verify.Report([ok, bad, skip], seconds=12.34, jobs=2)


def test_text_table():
    from ctxfix.render import render_verify_text

    assert render_verify_text(_report()) == textwrap.dedent(
        """\
        cause              example            broken  explain  fixed  patch  time
        background-thread  thread-app-config  yes     yes      yes    yes    2.0s
        celery-task        worker             yes     NO       yes    NO     11.5s
            explain named background-thread first, expected celery-task
        task-queue         rq-job             -       -        -      -
            skipped: needs redis-server on PATH: install it

        ctxfix verify: 3 examples of 3 causes: 1 proven, 1 failed, 1 skipped in 12.3s
        """
    )
    verbose = render_verify_text(_report(), verbose=True)
    assert "    broken printed (last 2 lines):\n      | line one\n" in verbose


def test_rich_table_and_json():
    import io

    from rich.console import Console

    from ctxfix.render import render_verify_rich

    buf = io.StringIO()
    render_verify_rich(_report(), Console(file=buf, width=100, color_system=None))
    text = buf.getvalue()
    assert "thread-app-config" in text
    assert (
        "celery-task/worker\n  explain named background-thread first, expected celery-task\n"
        in text
    )
    assert text.rstrip().endswith("1 proven, 1 failed, 1 skipped in 12.3s")
    doc = json.loads(_report().to_json())
    assert [r["skipped"] for r in doc["results"]] == [
        None,
        None,
        "needs redis-server on PATH: install it",
    ]
    assert set(doc["results"][0]) == {
        "cause",
        "example",
        "reproduced",
        "diagnosed",
        "fixed",
        "patched",
        "no_patch",
        "skipped",
        "seconds",
    }


# ---------------------------------------------------------------------------------------------
# verify --flask: the versions it names, and the cause x version table


def test_flask_versions_are_picked_by_minor_release_or_all():
    from ctxfix.flaskenvs import TARGETS, pick

    assert [t.flask for t in pick("2.0, 3.1.3,2.0")] == ["2.0.3", "3.1.3"]
    assert pick("all") == list(TARGETS)
    with pytest.raises(ValueError, match="unknown Flask version '2.5'; ctxfix speaks of 1.1.4"):
        pick("2.0,2.5")


def test_unknown_flask_version_is_a_usage_error(runner):
    result = runner.invoke(cli, ["verify", "--flask", "2.9"])
    assert result.exit_code == 2
    assert result.stderr.startswith("ctxfix: unknown Flask version '2.9'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_python_is_one_line_and_the_rest_still_runs(kb, tmp_path, monkeypatch):
    from ctxfix import flaskenvs

    monkeypatch.setattr(flaskenvs, "find_python", lambda v: (sys.executable, "2.7.18"))
    (target,) = flaskenvs.pick("1.1")
    matrix = verify.verify_versions(kb, [], [target], cache=tmp_path)
    (run,) = matrix.runs
    assert run.error == (
        "Flask 1.1.4 needs Python 3.8, which is not here (python3.8 on PATH, or pyenv install 3.8)"
    )
    assert not matrix.ok
    assert not (tmp_path / "flask-1.1.4").exists()


def test_matrix_table():
    from ctxfix.render import render_matrix_text

    ok = verify.Result("cli-command", "old", True, True, True, patched=True)
    new = verify.Result("cli-command", "old", skipped="runs on Flask <2.2 only")
    shell = verify.Result("interactive-shell", "repl", True, True, True, no_patch="a prompt")
    bad = verify.Result("interactive-shell", "repl", True, True, False, no_patch="a prompt")
    bad.problems.append("fixed: exit 1; last line: boom")
    runs = [
        verify.VersionRun("2.1.3", "3.10.13", verify.Report([ok, shell])),
        verify.VersionRun("3.1.3", "3.12.1", verify.Report([new, bad])),
        verify.VersionRun("1.1.4", error="Flask 1.1.4 needs Python 3.8, which is not here"),
    ]
    matrix = verify.Matrix(runs, ["cli-command", "interactive-shell"], 12.0)
    assert render_matrix_text(matrix) == textwrap.dedent(
        """\
        cause              2.1.3  3.1.3   1.1.4
        cli-command        1/1    -       error
        interactive-shell  1/1*   0/1 NO  error

        n/m: examples proven of those that run on that version; -: none runs there;
        *: proven, but an example's patch is not (see below)
        Flask 3.1.3 (Python 3.12.1) interactive-shell/repl:
            fixed: exit 1; last line: boom
            patch not proven: a prompt
        Flask 1.1.4: Flask 1.1.4 needs Python 3.8, which is not here
        patch not proven: interactive-shell/repl (Flask 2.1.3): a prompt
        ctxfix verify --flask: 3 versions, 1 fully proven, in 12s
        """
    )
