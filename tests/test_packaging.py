"""The wheel carries the knowledge (and the native scanner when a C compiler is at hand), and the
installed layout finds them from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ctxfix.read._native import LIBRARY

ROOT = Path(__file__).resolve().parent.parent
HAVE_CC = any(shutil.which(c) for c in ("cc", "gcc", "clang"))


def build_wheel(out: Path, **env: str) -> Path:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (whl,) = out.glob("ctxfix-*.whl")
    return whl


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


def test_wheel_contains_every_knowledge_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = [p for p in (ROOT / "knowledge").rglob("*.yaml") if "examples" not in p.parts]
    assert bundled
    for p in bundled:
        rel = "ctxfix/knowledge/" + p.relative_to(ROOT / "knowledge").as_posix()
        assert rel in names, rel
    assert "ctxfix/cli.py" in names
    entry = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry[0]).decode()
    assert "ctxfix = ctxfix.entry:main" in text


def _run_from_elsewhere(wheel: Path, tmp_path: Path, code: str) -> tuple[Path, str]:
    """Unpack the wheel and run ``code`` (sys.argv[1] is the unpacked site) from another
    folder, isolated from this checkout; the site and what it printed."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, sys.argv[1]); {code}",
            str(site),
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return site, proc.stdout


def test_installed_layout_loads_knowledge_from_another_folder(wheel, tmp_path):
    code = (
        "import ctxfix.knowledge as k;"
        "kb = k.load(use_cache=False);"
        "print(k.bundled_dir(), len(kb.causes))"
    )
    site, out = _run_from_elsewhere(wheel, tmp_path, code)
    where, count = out.split()
    assert Path(where) == site / "ctxfix" / "knowledge"
    assert int(count) == len(list((ROOT / "knowledge" / "causes").glob("*/cause.yaml")))


def test_installed_layout_explains_the_bundled_example_from_another_folder(wheel, tmp_path):
    code = (
        "sys.argv = ['ctxfix', 'explain', '--example', '--isolated'];"
        "from ctxfix.cli import main; main()"
    )
    site, out = _run_from_elsewhere(wheel, tmp_path, code)
    assert "Cause:     background-thread (app-data)" in out
    assert str(site / "ctxfix" / "example") in out, "read from the installed package"


_BIG_LOG_CODE = """
import sys
sys.path.insert(0, sys.argv[1])
import ctxfix, ctxfix.read._native as native
from ctxfix.read import stream as inputs
from ctxfix.read import TracebackReader
text = (b"GET / 200\\n" * 200_000 + b"Traceback (most recent call last):\\n"
        + b'  File "app.py", line 3, in f\\n' + b"RuntimeError: boom\\n" + b"GET / 200\\n" * 10)
reader = TracebackReader()
import io
found, _ = inputs.feed_stream(io.BytesIO(text), reader.feed, reader)
found += reader.close()
print(ctxfix.__file__.startswith(sys.argv[1]), native.load() is not None,
      [(t.exc_type, t.start_line) for t in found])
"""


def _run_installed(site: Path, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-I", "-c", _BIG_LOG_CODE, str(site)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().split(maxsplit=2)


@pytest.mark.skipif(not HAVE_CC, reason="no C compiler on PATH: the wheel is pure Python")
def test_wheel_carries_the_native_scanner_and_uses_it(wheel, tmp_path):
    names = zipfile.ZipFile(wheel).namelist()
    assert f"ctxfix/read/{LIBRARY}" in names
    assert "ctxfix/read/_skim.c" not in names
    assert not wheel.name.endswith("-none-any.whl"), wheel.name  # a platform wheel
    assert "-py3-none-" in wheel.name  # plain C through ctypes: any Python 3
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    ours, loaded, found = _run_installed(site, tmp_path)
    assert (ours, loaded) == ("True", "True")
    assert found == "[('RuntimeError', 200001)]"


def test_wheel_without_native_scanner_is_pure_and_works(tmp_path):
    whl = build_wheel(tmp_path / "dist", CTXFIX_NO_NATIVE="1")
    assert whl.name.endswith("-py3-none-any.whl"), whl.name
    names = zipfile.ZipFile(whl).namelist()
    assert f"ctxfix/read/{LIBRARY}" not in names
    assert "ctxfix/read/_native.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(whl).extractall(site)
    ours, loaded, found = _run_installed(site, tmp_path)
    assert (ours, loaded) == ("True", "False")
    assert found == "[('RuntimeError', 200001)]"


def test_build_hook_reports_a_missing_compiler(monkeypatch, tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        import hatch_build
    finally:
        sys.path.remove(str(ROOT))
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run there
    monkeypatch.delenv("CC", raising=False)
    why = hatch_build.compile_library(tmp_path / LIBRARY)
    assert why is not None and "no C compiler" in why
    assert not (tmp_path / LIBRARY).exists()
