"""Real logs that looked binary: UTF-16 and UTF-32 with a BOM, and holes of NUL bytes.

The logs are the ones tests/test_parallel.py builds from the project's captured tracebacks,
re-encoded or holed here; each must read exactly as the plain UTF-8 log reads, on the line-by-
line path, the skimming path (native and pure Python) and the two-halves path.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from test_parallel import _log, _summary
from test_parallel import small_threshold as small_threshold  # a fixture

from ctxfix.cli import cli
from ctxfix.read import stream as inputs

ENCODINGS = [
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
]


@pytest.fixture(params=["0", "1"], ids=["native-skim", "python-skim"])
def scanner(request, monkeypatch) -> None:
    """Both skimming paths: the native scanner (when built) and pure Python."""
    monkeypatch.setenv("CTXFIX_PURE_PYTHON", request.param)


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    path = _log(tmp_path_factory.mktemp("plain"))
    assert path.stat().st_size > 2 * inputs.SKIM_AFTER  # so the skimming path is taken
    return path


@pytest.fixture(scope="module")
def expected(kb, plain) -> tuple:
    mp = pytest.MonkeyPatch()
    try:
        return _summary(kb, plain, "1", mp)
    finally:
        mp.undo()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bom, codec", ENCODINGS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_utf16_and_utf32_with_a_bom_read_as_utf8_does(
    kb, plain, expected, tmp_path, monkeypatch, bom, codec, newline
):
    text = plain.read_text(encoding="utf-8").replace("\n", newline)
    path = _write(tmp_path, "powershell.log", bom + text.encode(codec))
    assert _summary(kb, path, "1", monkeypatch) == expected


def test_a_utf16_log_is_read_in_one_pass_even_when_big(
    kb, plain, expected, tmp_path, monkeypatch, small_threshold, scanner
):
    path = _write(tmp_path, "ps.log", b"\xff\xfe" + plain.read_text().encode("utf-16-le"))
    assert _summary(kb, path, "", monkeypatch) == expected
    assert small_threshold == []  # no cut was made in the raw bytes


@pytest.mark.parametrize("hole", [5000, 3 * 1024 * 1024])
def test_a_leading_hole_of_nuls_is_skipped(
    kb, plain, expected, tmp_path, monkeypatch, scanner, hole
):
    """logrotate's copytruncate: the file is cut to nothing while the writer goes on at its old
    offset, so the log starts with that many NUL bytes."""
    path = _write(tmp_path, "rotated.log", b"\x00" * hole + plain.read_bytes())
    assert _summary(kb, path, "1", monkeypatch) == expected


def _holed(plain: Path, seed: int) -> bytes:
    data = bytearray(plain.read_bytes())
    rng = random.Random(seed)
    for at in sorted(rng.sample(range(len(data)), 12), reverse=True):
        data[at:at] = b"\x00" * rng.choice([1, 40, 70_000, 1_200_000])
    return bytes(data)


def test_holes_of_nuls_anywhere_read_as_if_absent(
    kb, plain, expected, tmp_path, monkeypatch, small_threshold, scanner
):
    path = _write(tmp_path, "holed.log", _holed(plain, 5))
    assert _summary(kb, path, "1", monkeypatch) == expected
    assert _summary(kb, path, "", monkeypatch) == expected  # two halves (if a cut is found)


def test_the_cli_reads_utf16_from_a_pipe_and_a_hole_from_a_file(runner, plain, tmp_path):
    text = plain.read_text()
    want = runner.invoke(cli, ["explain", "--format", "json", str(plain)]).stdout
    got = runner.invoke(
        cli, ["explain", "--format", "json"], input=b"\xff\xfe" + text.encode("utf-16-le")
    ).stdout
    assert _findings(got) == _findings(want) and _findings(want)
    holed = _write(tmp_path, "holed.log", b"\x00" * 100_000 + plain.read_bytes())
    result = runner.invoke(cli, ["explain", "--format", "json", str(holed)])
    assert result.exit_code == 0 and _findings(result.stdout) == _findings(want)


def _findings(doc: str) -> list:
    import json

    return [
        (f["cause"], f["location"], f["lines"], f["occurrences"])
        for f in json.loads(doc)["findings"]
    ]


@pytest.mark.parametrize(
    "data",
    [
        random.Random(3).randbytes(20_000),
        b"\x7fELF\x02\x01\x01" + b"\x00\x01\x02\x03" * 5000,
    ],
)
def test_binary_data_is_still_refused(tmp_path, data):
    path = _write(tmp_path, "data.bin", data)
    result = subprocess.run(
        [sys.executable, "-m", "ctxfix", "explain", str(path)], capture_output=True, timeout=60
    )
    assert result.returncode == 2
    assert b"looks like binary data" in result.stderr


def test_an_input_of_only_nuls_is_empty(tmp_path):
    path = _write(tmp_path, "zeros.log", b"\x00" * 2_000_000)
    result = subprocess.run(
        [sys.executable, "-m", "ctxfix", "explain", str(path)], capture_output=True, timeout=60
    )
    assert result.returncode == 2 and b"the input is empty" in result.stderr


def test_iter_lines_decodes_by_bom(tmp_path):
    with open(_write(tmp_path, "x", b"\xfe\xff" + "a\nb\u00e9\n".encode("utf-16-be")), "rb") as f:
        assert list(inputs.iter_lines(f)) == ["a", "b\u00e9"]
    assert os.path.getsize(tmp_path / "x") == 2 + 2 * 5


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_binary_not_an_endless_hole():
    result = subprocess.run(
        [sys.executable, "-m", "ctxfix", "explain", "/dev/zero"], capture_output=True, timeout=60
    )
    assert result.returncode == 2 and b"looks like binary data" in result.stderr
