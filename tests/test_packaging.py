"""The wheel carries the knowledge, and the installed layout finds it from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
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
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (whl,) = out.glob("ctxfix-*.whl")
    return whl


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
    assert "ctxfix = ctxfix.cli:main" in text


def test_installed_layout_loads_knowledge_from_another_folder(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import ctxfix.knowledge as k;"
        "kb = k.load(use_cache=False);"
        "print(k.bundled_dir(), len(kb.causes))"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code, str(site)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    where, count = proc.stdout.split()
    assert Path(where) == site / "ctxfix" / "knowledge"
    assert int(count) == len(list((ROOT / "knowledge" / "causes").glob("*/cause.yaml")))
