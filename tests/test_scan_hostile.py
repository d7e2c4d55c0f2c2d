"""Hostile trees and files for `ctxfix scan` (issue 14): special files, huge and deep files,
unreadable folders, many functions, odd names and characters. Every input is made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ctxfix import scan
from ctxfix.scan import files, scan_paths

BUG = "from flask import current_app\nNAME = current_app.name\n"


def _scan_in_child(root: Path, timeout: float = 60) -> dict:
    """Scan in a child process, so that a hang fails the test instead of stopping the suite."""
    code = (
        "import json, sys\n"
        "from ctxfix.scan import scan_paths\n"
        "r = scan_paths([sys.argv[1]], jobs=1)\n"
        "print(json.dumps({'findings': [(f.path, f.rule) for f in r.findings],"
        " 'errors': [(e.path, e.message) for e in r.errors]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_special_files_named_py_are_notes_not_hangs(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(BUG, encoding="utf-8")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "random.py").symlink_to("/dev/urandom")
    os.mkfifo(tmp_path / "y.py")
    result = _scan_in_child(tmp_path)
    assert [(Path(p).name, r) for p, r in result["findings"]] == [("real.py", "CTX104")]
    notes = {Path(p).name: m for p, m in result["errors"]}
    assert set(notes) == {"zero.py", "random.py", "y.py"}
    assert all("not a regular file" in m for m in notes.values())


def test_a_file_over_the_size_cap_is_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    (tmp_path / "big.py").write_text("import flask\n" + "x = 1\n" * 500, encoding="utf-8")
    (tmp_path / "small.py").write_text(BUG, encoding="utf-8")
    report = scan_paths([str(tmp_path)], jobs=1)
    assert [Path(f.path).name for f in report.findings] == ["small.py"]
    [note] = report.errors
    assert note.path.endswith("big.py") and "larger than" in note.message


def test_many_functions_in_one_file_scan_in_linear_time(tmp_path: Path) -> None:
    # 30,000 functions: a search for each function's name over the whole source took 22 s.
    count = 30_000
    body = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(count))
    source = f"from flask import current_app\nimport threading\n{body}def work():\n"
    source += "    return current_app.name\n\nthreading.Thread(target=work).start()\n"
    (tmp_path / "many.py").write_text(source, encoding="utf-8")
    start = time.perf_counter()
    report = scan_paths([str(tmp_path)], jobs=1)
    elapsed = time.perf_counter() - start
    assert [f.rule for f in report.findings] == ["CTX101"] and report.errors == []
    assert elapsed < 8, f"{count} functions took {elapsed:.1f} s"


def test_a_long_chain_of_calls_is_cut_not_a_crash(tmp_path: Path) -> None:
    count = 5_000
    body = "".join(f"def f{i}():\n    return f{i + 1}()\n" for i in range(count))
    source = f"from flask import current_app\nimport threading\n{body}def f{count}():\n"
    source += "    return current_app.name\n\nthreading.Thread(target=f0).start()\n"
    (tmp_path / "chain.py").write_text(source, encoding="utf-8")
    report = scan_paths([str(tmp_path)], jobs=1)
    assert report.errors == []


@pytest.mark.parametrize(
    "expression",
    ["-" * 100_000 + "1", "1+" * 100_000 + "1", "a" + ".b" * 100_000, "[" * 5_000 + "]" * 5_000],
    ids=["unary", "sum", "attributes", "lists"],
)
def test_a_deeply_nested_file_is_its_own_note(tmp_path: Path, expression: str) -> None:
    (tmp_path / "deep.py").write_text(f"import flask\nx = {expression}\n", encoding="utf-8")
    (tmp_path / "real.py").write_text(BUG, encoding="utf-8")
    result = _scan_in_child(tmp_path)
    assert [(Path(p).name, r) for p, r in result["findings"]] == [("real.py", "CTX104")]
    [(path, message)] = result["errors"]
    assert Path(path).name == "deep.py" and "internal error" not in message


def test_deeply_nested_statements_are_a_note(tmp_path: Path) -> None:
    nested = "".join("    " * i + "if x:\n" for i in range(90)) + "    " * 90 + "pass\n"
    (tmp_path / "deep.py").write_text("import flask\nx = 1\n" + nested, encoding="utf-8")
    (tmp_path / "real.py").write_text(BUG, encoding="utf-8")
    result = _scan_in_child(tmp_path)
    assert [(Path(p).name, r) for p, r in result["findings"]] == [("real.py", "CTX104")]


def test_an_unreadable_folder_is_said(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "real.py").write_text(BUG, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(BUG, encoding="utf-8")
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads any folder: make this one fail the way an unreadable one does
        real_scandir = os.scandir

        def scandir(path=None):
            if Path(os.fsdecode(path)) == locked:
                raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        report = scan_paths([str(tmp_path)], jobs=1)
    finally:
        locked.chmod(0o755)
    assert [Path(f.path).name for f in report.findings] == ["real.py"]
    [note] = report.errors
    assert note.path.endswith("locked") and "cannot read folder" in note.message


def test_sarif_uris_are_percent_encoded(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "my app#1 %x.py").write_text(BUG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = json.loads(scan.format_sarif(scan_paths(["."], jobs=1)))
    [result] = data["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20app%231%20%25x.py", "uriBaseId": "%SRCROOT%"}
    absolute = json.loads(scan.format_sarif(scan_paths([str(tmp_path)], jobs=1)))
    uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"].startswith("file:///")
    assert uri["artifactLocation"]["uri"].endswith("/my%20app%231%20%25x.py")


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        from flask import current_app
        LABEL = "héllo wörld ✓"; NAME = current_app.name
        """
    )
    (tmp_path / "wide.py").write_text(source, encoding="utf-8")
    report = scan_paths([str(tmp_path)], jobs=1)
    [finding] = report.findings
    line = source.splitlines()[1]
    assert finding.col == line.index("current_app") + 1
    sarif = json.loads(scan.format_sarif(report))
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": line.index("current_app") + 1}
    assert f":2:{line.index('current_app') + 1}: CTX104" in scan.format_text(report)
