"""verify and docs on example folders and programs that misbehave: endless output, processes
that leave their group and session, FIFOs and devices where files should be."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from test_verify import _alive, _program

from ctxfix import docs, verify

POSIX = pytest.mark.skipif(os.name != "posix", reason="process groups, FIFOs and devices")
LINUX = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds strays through /proc")


def _gone(pid: int) -> bool:
    """Whether the process ends within five seconds."""
    for _ in range(100):
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _kill(pidfile: Path) -> None:
    """Whatever happens in a test, leave no process behind."""
    try:
        os.kill(int(pidfile.read_text()), 9)
    except (OSError, ValueError):
        pass


@POSIX
@LINUX
def test_a_grandchild_in_a_session_of_its_own_is_stopped(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    src = _program(
        tmp_path,
        f"""
        import subprocess, sys
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
        )
        open({str(pidfile)!r}, "w").write(str(child.pid))
        print("left a daemon")
        """,
    )
    try:
        run = verify.run_program(["python", "main.py"], src, timeout=20)
        assert run.returncode == 0 and run.leftovers
        assert _gone(int(pidfile.read_text()))
    finally:
        _kill(pidfile)


@POSIX
@LINUX
def test_a_double_forked_daemon_writing_on_is_stopped(tmp_path):
    """The classic daemon: fork, setsid, fork again, and keep writing to the inherited output."""
    pidfile = tmp_path / "daemon.pid"
    src = _program(
        tmp_path,
        f"""
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                open({str(pidfile)!r}, "w").write(str(os.getpid()))
                while True:
                    print("still here", flush=True)
                    time.sleep(0.01)
            os._exit(0)
        time.sleep(0.5)
        print("parent done", flush=True)
        """,
    )
    try:
        run = verify.run_program(["python", "main.py"], src, timeout=20)
        assert run.returncode == 0 and run.leftovers
        assert _gone(int(pidfile.read_text()))
        assert "parent done" in run.output
    finally:
        _kill(pidfile)


@POSIX
def test_endless_output_is_stopped_at_the_write_limit(tmp_path):
    src = _program(
        tmp_path,
        """
        import sys
        line = b"x" * 1023 + b"\\n"
        while True:
            sys.stdout.buffer.write(line * 64)
        """,
    )
    run = verify.run_program(["python", "main.py"], src, timeout=60)
    assert run.flooded and not run.timed_out and run.returncode is None
    assert len(run.output) <= 4 * 1024 * 1024
    assert "printing more than 16 MB" in verify._ended(run, 60)


@POSIX
def test_a_flooding_broken_example_fails_with_a_reason(tmp_path):
    from ctxfix.knowledge import load

    kb = load(use_cache=False)
    folder = tmp_path / "flood"
    for part in ("broken", "fixed"):
        (folder / part).mkdir(parents=True)
        (folder / part / "main.py").write_text(
            "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n"
        )
    (folder / "example.yaml").write_text("title: floods\n")
    example = verify.load_example("background-thread", folder)
    res = verify.verify_example(kb, example)
    assert res.failed and not res.reproduced and not res.fixed
    assert any("it must print less" in p for p in res.problems), res.problems


@POSIX
def test_a_fifo_in_an_example_is_refused_without_blocking(tmp_path):
    src = _program(tmp_path, 'print("never run")')
    os.mkfifo(src / "pipe.txt")
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(verify.run_program(["python", "main.py"], src, timeout=10)),
        daemon=True,
    )
    worker.start()
    worker.join(20)
    assert result, "copying the example blocked on a FIFO"
    (run,) = result
    assert run.returncode is None
    assert run.output.startswith("cannot copy the example: ") and "FIFO" in run.output


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_or_to_a_folder_is_refused_not_followed(tmp_path):
    src = _program(tmp_path, 'print("never run")')
    (src / "zero.bin").symlink_to("/dev/zero")
    run = verify.run_program(["python", "main.py"], src, timeout=30)
    assert run.returncode is None and "zero.bin: not a regular file (a device)" in run.output
    (src / "zero.bin").unlink()
    (src / "root").symlink_to("/")
    run = verify.run_program(["python", "main.py"], src, timeout=30)
    assert run.returncode is None and "root: a link to a folder" in run.output


@POSIX
def test_a_link_to_a_file_is_copied_as_the_file(tmp_path):
    """So that pasting the verify snippet into the copy never writes through a link."""
    outside = tmp_path / "shared.py"
    outside.write_text("VALUE = 7\n")
    src = _program(
        tmp_path,
        """
        import os
        import shared
        print("a plain file:", not os.path.islink("shared.py"), shared.VALUE)
        """,
    )
    (src / "shared.py").symlink_to(outside)
    run = verify.run_program(["python", "main.py"], src, timeout=30)
    assert run.returncode == 0, run.output
    assert "a plain file: True 7" in run.output


def test_an_example_folder_over_the_copy_limits_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(verify, "COPY_LIMIT", 1000)
    src = _program(tmp_path, 'print("never run")')
    (src / "big.txt").write_text("z" * 2000)
    run = verify.run_program(["python", "main.py"], src, timeout=10)
    assert run.returncode is None and "larger than" in run.output
    monkeypatch.setattr(verify, "COPY_LIMIT", 10_000)
    monkeypatch.setattr(verify, "_COPY_FILES", 1)
    run = verify.run_program(["python", "main.py"], src, timeout=10)
    assert run.returncode is None and "more than 1 files" in run.output


@POSIX
def test_an_example_yaml_that_is_a_fifo_is_a_problem(tmp_path):
    folder = tmp_path / "ex"
    (folder / "broken").mkdir(parents=True)
    (folder / "fixed").mkdir()
    os.mkfifo(folder / "example.yaml")
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(verify.load_example("background-thread", folder)),
        daemon=True,
    )
    worker.start()
    worker.join(10)
    assert result, "reading example.yaml blocked on a FIFO"
    assert any("not a regular file (a FIFO)" in p for p in result[0].problems)


@POSIX
def test_docs_name_special_and_linked_files_without_reading_them(tmp_path):
    root = tmp_path / "fixed"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    os.mkfifo(root / "queue.txt")
    (root / "secret.txt").symlink_to("/etc/hostname" if os.path.exists("/etc/hostname") else "x")
    files = docs._files(root)
    assert files["app.py"] == "print('hi')\n"
    assert "queue.txt" not in files  # not a file at all
    assert files.get("secret.txt", "") == ""
