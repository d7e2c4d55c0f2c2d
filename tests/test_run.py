"""ctxfix run: real child processes, real Flask tracebacks, live output and signals."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ctxfix.knowledge import load
from ctxfix.render.brief import run_brief
from ctxfix.render.templates import fill, placeholders
from ctxfix.run import RunError, run_command

ROOT = Path(__file__).resolve().parent.parent
POSIX = os.name == "posix"

# A real context error: the child runs Flask and prints the traceback it raises.
THREAD_ERROR = """
    import threading
    from flask import Flask, current_app

    app = Flask("shop")

    def send_receipt():
        print(current_app.config["DEBUG"])

    t = threading.Thread(target=send_receipt)
    t.start()
    t.join()
"""


@pytest.fixture(scope="module")
def knowledge():
    return load(use_cache=False)


def _script(tmp_path: Path, code: str, name: str = "child.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return str(path)


def _run(argv: list[str], kb, **kw) -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    code = run_command(argv, kb, stdout=out, stderr=err, **kw)
    return code, out.getvalue(), err.getvalue()


def test_output_passes_through_byte_for_byte(tmp_path: Path, knowledge) -> None:
    child = _script(
        tmp_path,
        """
        import sys
        sys.stdout.buffer.write(b"caf\\xc3\\xa9 \\xff raw\\r\\nsecond line without end")
        sys.stderr.buffer.write(b"warning: \\x00 binary\\n")
        sys.exit(3)
        """,
    )
    code, out, err = _run([sys.executable, child], knowledge)
    assert code == 3
    assert out == b"caf\xc3\xa9 \xff raw\r\nsecond line without end"
    assert err == b"warning: \x00 binary\n"


def test_a_real_context_error_is_diagnosed_after_its_traceback(tmp_path: Path, knowledge) -> None:
    child = _script(tmp_path, THREAD_ERROR)
    code, out, err = _run([sys.executable, child], knowledge)
    assert code == 0
    text = err.decode()
    traceback_end = text.index("Working outside of application context.")
    diagnosis = text.index("ctxfix: ")
    assert diagnosis > traceback_end
    ours = [line for line in text.splitlines() if line.startswith("ctxfix:")]
    assert "background-thread" in ours[0]
    assert any("in send_receipt" in line for line in ours)
    assert any(line.startswith("ctxfix:   fix: ") for line in ours)
    assert ours[-1] == "ctxfix: 1 context error diagnosed"
    # The child's own stderr is all there, unchanged, before our lines.
    child_part = text[: text.index("ctxfix: ")]
    assert "Exception in thread" in child_part and "send_receipt" in child_part
    assert out == b""


def test_unrelated_errors_get_no_diagnosis(tmp_path: Path, knowledge) -> None:
    child = _script(tmp_path, 'int("twelve")\n')
    code, _, err = _run([sys.executable, child], knowledge)
    assert code == 1
    assert b"ValueError" in err and b"ctxfix:" not in err


def test_repeats_are_one_line_each(tmp_path: Path, knowledge) -> None:
    child = _script(
        tmp_path,
        """
        import traceback
        from flask import Flask, current_app

        app = Flask("shop")

        def settings():
            return current_app.config

        for _ in range(3):
            try:
                settings()
            except RuntimeError:
                traceback.print_exc()
        """,
    )
    _, _, err = _run([sys.executable, child], knowledge)
    ours = [line for line in err.decode().splitlines() if line.startswith("ctxfix:")]
    again = [line for line in ours if "the same context error again" in line]
    assert len(again) == 2 and "(3 times)" in again[-1]
    assert ours[-1] == "ctxfix: 3 context errors diagnosed (1 distinct)"


def test_the_diagnosis_appears_while_the_command_still_runs(tmp_path: Path, knowledge) -> None:
    flag = tmp_path / "diagnosed"
    child = _script(
        tmp_path,
        f"""
        import os, sys, time, traceback
        from flask import Flask, g

        try:
            g.user = "ann"
        except RuntimeError:
            traceback.print_exc()
        # Stay alive until the diagnosis has been written (or give up after 20 s).
        deadline = time.time() + 20
        while not os.path.exists({str(flag)!r}) and time.time() < deadline:
            time.sleep(0.05)
        print("finished" if os.path.exists({str(flag)!r}) else "timed out")
        """,
    )

    class Sink(io.BytesIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            if b"ctxfix:" in data:
                flag.touch()
            return super().write(data)

    out, err = io.BytesIO(), Sink()
    code = run_command([sys.executable, child], knowledge, stdout=out, stderr=err, idle=0.2)
    assert code == 0
    assert out.getvalue() == b"finished\n"
    assert b"ctxfix: RuntimeError (app context)" in err.getvalue()


def test_a_command_that_does_not_exist_is_a_run_error(knowledge) -> None:
    with pytest.raises(RunError, match="cannot run 'no-such-command-ctxfix'"):
        run_command(["no-such-command-ctxfix"], knowledge)
    with pytest.raises(RunError, match="no command"):
        run_command([], knowledge)


def test_without_knowledge_output_still_passes_through(tmp_path: Path) -> None:
    child = _script(tmp_path, THREAD_ERROR)
    code, _, err = _run([sys.executable, child], None)
    assert code == 0
    assert b"Working outside of application context." in err and b"ctxfix:" not in err


def test_brief_for_an_unsettled_cause_points_to_diagnose(knowledge) -> None:
    from ctxfix.engine import explain_text

    text = textwrap.dedent(
        """\
        Traceback (most recent call last):
          File "/srv/x.py", line 3, in <module>
            print(thing())
        RuntimeError: Working outside of request context.
        """
    )
    [finding] = explain_text(text, knowledge)
    brief = run_brief(finding, knowledge)
    page = finding.cause or knowledge.families[finding.family]
    code = fill(page.fixes_for(finding.variant)[0].code, placeholders(finding)).rstrip()
    assert f"\n\n{code}\n\n" in brief, "the first fix in full, flush left, between blank lines"
    prose = brief.replace(f"\n\n{code}\n\n", "\n")
    assert all(line.startswith("ctxfix:") for line in prose.splitlines())
    assert not any(line.startswith("ctxfix:") for line in code.splitlines())
    if finding.cause is None:
        assert "ctxfix diagnose" in brief
    else:
        assert f"ctxfix show {finding.cause.id}" in brief


@pytest.mark.skipif(not POSIX, reason="signals are POSIX")
def test_sigint_is_forwarded_and_the_child_status_is_kept(tmp_path: Path) -> None:
    child = _script(
        tmp_path,
        """
        import signal, sys, time

        def stop(signum, frame):
            print("child got SIGINT", flush=True)
            sys.exit(5)

        signal.signal(signal.SIGINT, stop)
        print("ready", flush=True)
        time.sleep(30)
        sys.exit(9)
        """,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "run", "--", sys.executable, child],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"  # live: read while the child still runs
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rest == b"child got SIGINT\n"
    assert proc.returncode == 5, err.decode()
    assert b"Traceback" not in err


@pytest.mark.skipif(not POSIX, reason="signals are POSIX")
def test_a_child_killed_by_a_signal_gives_128_plus_n(tmp_path: Path, knowledge) -> None:
    child = _script(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    code, _, _ = _run([sys.executable, child], knowledge)
    assert code == 128 + signal.SIGTERM


def test_cli_run_exit_status_and_passthrough(tmp_path: Path) -> None:
    child = _script(tmp_path, 'print("hello")\nraise SystemExit(4)\n')
    proc = subprocess.run(
        [sys.executable, "-m", "ctxfix", "run", "--", sys.executable, child],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 4
    assert proc.stdout == b"hello\n"
    assert proc.stderr == b""


def test_cli_run_reports_a_missing_command_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ctxfix", "run", "--", "no-such-command-ctxfix"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ctxfix: cannot run 'no-such-command-ctxfix': No such file or directory"
    ]


def test_cli_run_is_quick_to_pass_a_line_through(tmp_path: Path) -> None:
    child = _script(
        tmp_path,
        'import time\nprint("first", flush=True)\ntime.sleep(3)\nprint("second")\n',
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", "run", "--", sys.executable, child],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        start = time.monotonic()
        assert proc.stdout.readline() == b"first\n"
        assert proc.poll() is None  # seen before the child finished
        assert time.monotonic() - start < 3
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_an_engine_failure_stops_diagnosis_but_not_the_output(
    tmp_path: Path, knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxfix import engine

    def broken(self, line):
        raise ValueError("boom")

    monkeypatch.setattr(engine.Explainer, "feed", broken)
    child = _script(tmp_path, 'import sys\nprint("out")\nsys.stderr.write("err 1\\nerr 2\\n")\n')
    code, out, err = _run([sys.executable, child], knowledge)
    assert code == 0 and out == b"out\n"
    assert b"err 1\nerr 2\n" in err
    assert err.count(b"ctxfix: diagnosis stopped: internal error (ValueError: boom)") == 1
