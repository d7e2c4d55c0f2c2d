"""The command line under odd conditions: narrow encodings, a closed or full stdout, Ctrl-C,
bad usage and odd file names. Each ends in output that can be written or in one plain line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_run import THREAD_ERROR

from ctxfix.cli import cli

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file descriptors and signals")


def _ctxfix(*args: str, **kw) -> subprocess.CompletedProcess:
    if "stdout" not in kw and "stderr" not in kw:
        kw["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "ctxfix", *args], timeout=60, **kw)


@pytest.fixture(scope="module")
def cjk_log(tmp_path_factory) -> Path:
    """A real traceback from a program in a folder named in Japanese, after a log line with a
    byte that is not UTF-8 (read as U+FFFD)."""
    folder = tmp_path_factory.mktemp("logs") / "お店"
    folder.mkdir()
    (folder / "shop.py").write_text(textwrap.dedent(THREAD_ERROR), encoding="utf-8")
    ran = subprocess.run([sys.executable, "shop.py"], cwd=folder, capture_output=True, timeout=60)
    printed = ran.stderr.decode("utf-8")
    assert "お店" in printed
    log = folder / "app.log"
    log.write_bytes(b"2024-05-01 12:00:00 worker started \xff\xfe\n" + printed.encode("utf-8"))
    return log


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "cp437"])
def test_explain_writes_on_a_narrow_stdout_encoding(cjk_log, encoding):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    result = _ctxfix("explain", "--verbose", str(cjk_log), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode(encoding)
    assert "background-thread" in out and "app.log" in out
    assert "internal error" not in result.stderr.decode(encoding, "replace")


@pytest.mark.parametrize("encoding", ["latin-1", "cp437"])
def test_curly_quotes_become_ascii_where_the_encoding_lacks_them(cjk_log, encoding):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    answers = ["--answer", "where=background-thread", "--answer", "thread-data=app-data"]
    result = _ctxfix("explain", "--verbose", *answers, str(cjk_log), env=env)
    out = result.stdout.decode(encoding)
    assert result.returncode == 0
    assert '"Which kind of code' in out or 'you answered "' in out


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "cp437"])
def test_diagnose_writes_on_a_narrow_stdout_encoding(encoding):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    result = _ctxfix("diagnose", "--answer", "error=app-context", env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 2  # a question is left: one line naming it
    (line,) = result.stderr.decode(encoding).splitlines()
    assert line.startswith("ctxfix: no terminal to ask") and "internal error" not in line
    answers = ["--answer", "where=background-thread", "--answer", "thread-data=app-data"]
    result = _ctxfix(
        "diagnose", "--answer", "error=app-context", *answers, env=env, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr
    assert "background-thread" in result.stdout.decode(encoding)


@POSIX
@pytest.mark.parametrize(
    "command", [["explain"], ["table", "--format", "rich"], ["show", "no-request"]]
)
def test_a_closed_stdout_is_one_plain_line(cjk_log, command):
    args = [*command, str(cjk_log)] if command == ["explain"] else command
    script = 'exec "$@" >&-'
    result = subprocess.run(
        ["sh", "-c", script, "sh", sys.executable, "-m", "ctxfix", *args],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "ctxfix: cannot write the output: stdout is closed"
    ]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["explain"], ["table", "--format", "json"], ["lint"]])
def test_a_full_disk_is_one_plain_line(cjk_log, command):
    args = [*command, str(cjk_log)] if command == ["explain"] else command
    with open("/dev/full", "w") as full:
        result = _ctxfix(*args, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert lines == ["ctxfix: cannot write the output: No space left on device"]


@pytest.mark.parametrize(
    "args, where",
    [
        (["explain", "--nope"], "ctxfix explain"),
        (["explain", "--format", "xml"], "ctxfix explain"),
        (["show", "background-thread", "extra"], "ctxfix show"),  # `show` alone lists causes
        (["nosuch"], "ctxfix"),
    ],
)
def test_usage_errors_take_one_line(args, where):
    result = _ctxfix(*args, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("ctxfix: ") and line.endswith(f"(see '{where} -h')")


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path):
    name = str(tmp_path / "a\nb\x1b[31m.txt")
    result = _ctxfix("explain", name)
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert "a\\nb\\x1b[31m.txt: no such file" in line


@POSIX
@pytest.mark.parametrize(
    "args", [["explain"], ["explain", "--format", "json"], ["run", "--", "sleep", "30"]]
)
def test_ctrl_c_exits_130_and_prints_nothing(args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxfix", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C in a terminal always reaches ctxfix; a test run started in the background of a
        # non-interactive shell ignores SIGINT, and children inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        time.sleep(1.5)  # started, and waiting for stdin
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()  # and its pipes are closed
        pytest.fail(f"still running 20 s after Ctrl-C; stderr: {err.decode(errors='replace')}")
    assert proc.returncode == 130, err.decode(errors="replace")[-2000:]
    assert err == b"" and out == b""


def test_ctrl_c_while_ctxfix_is_still_loading_exits_130_quietly():
    """A Ctrl-C that lands while the CLI is imported (most of a short run): the import is made
    to raise KeyboardInterrupt, as SIGINT would, at the same place every time."""
    code = (
        "import sys\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ctxfix.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "from ctxfix.entry import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == 130, proc.stderr.decode(errors="replace")
    assert proc.stderr == b"" and proc.stdout == b""


@pytest.mark.parametrize(
    "answer, says",
    [
        ("error=", "names no choice (choices: app-context,"),
        ("where=nosuch", "'nosuch' is not a choice of 'where' (choices: "),
        ("nosuch=x", "there is no question 'nosuch' (questions: error, where"),
    ],
)
@pytest.mark.parametrize("command", ["explain", "diagnose"])
def test_a_bad_answer_is_a_usage_error(runner, real_tracebacks, command, answer, says):
    result = runner.invoke(cli, [command, "--answer", answer], input=real_tracebacks["thread"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"ctxfix: --answer {answer}: ") and says in line


def test_good_answers_still_work(runner, real_tracebacks):
    result = runner.invoke(
        cli, ["explain", "--answer", "thread-data=request-data"], input=real_tracebacks["thread"]
    )
    assert result.exit_code == 0, result.output
