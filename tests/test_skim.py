"""The native scanner (ctxfix/read/_skim.c) and the pure-Python skim give the same answers.

The C file is compiled here, in three builds (AVX2 where the CPU has it, SSE2 only, scalar only),
so the tests check the source as it is, whatever library an install left behind.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Callable, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctxfix.cli import cli
from ctxfix.read import TracebackReader, _native
from ctxfix.read import stream as inputs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
try:
    import hatch_build
finally:
    sys.path.remove(str(ROOT))

HAVE_CC = hatch_build.compiler() is not None
needs_cc = pytest.mark.skipif(not HAVE_CC, reason="no C compiler: the native scanner is not built")

BUILDS = {"dispatch": (), "sse2": ("-DCTXFIX_NO_AVX2",), "scalar": ("-DCTXFIX_NO_SIMD",)}
ANCHORS = [b"raceback", b"ontext", b"pplication", b"egistered", b"nable to build", b"adapter"]


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not HAVE_CC:
        pytest.skip("no C compiler: the native scanner is not built")
    out = tmp_path_factory.mktemp("native")
    paths = {}
    for name, flags in BUILDS.items():
        path = out / f"{name}-{_native.LIBRARY}"
        why = hatch_build.compile_library(path, flags)
        assert why is None, why
        paths[name] = path
    return paths


def reference(region: bytes, needles: list[bytes], pos: int, end: int) -> tuple[int, int]:
    """What the scan must give, from bytes.find and bytes.count."""
    hits = [h for h in (region.find(n, pos, end) for n in needles) if h >= 0]
    hit = min(hits, default=-1)
    return hit, region.count(b"\n", pos, hit if hit >= 0 else end)


def scanners(
    builds: dict[str, Path], region: bytearray, needles: list[bytes]
) -> dict[str, Callable[[int, int], tuple[int, int]]]:
    found = {}
    for name, path in builds.items():
        scan = _native.scanner(region, needles, path)
        assert scan is not None, f"{path} did not load"
        found[name] = scan
    return found


def pure(region: bytearray, needles: list[bytes]) -> Callable[[int, int], tuple[int, int]]:
    finders = [inputs._Finder(n, bytes(region)) for n in needles]
    return inputs._pure_scan(region, finders)


def check(builds: dict[str, Path], data: bytes, needles: list[bytes], spans) -> None:
    region = bytearray(data)
    scans = scanners(builds, region, needles)
    for pos, end in spans:
        want = reference(data, needles, pos, end)
        for name, scan in scans.items():
            assert scan(pos, end) == want, (name, data, needles, pos, end)
        if end == len(region):  # the pure scan remembers finds for one end per region
            assert pure(region, needles)(pos, end) == want, ("pure", data, needles, pos, end)


@needs_cc
def test_a_needle_at_every_place_and_every_start(builds):
    # Every offset of a needle in a buffer longer than two AVX2 steps, every start up to it,
    # and ends that cut the needle off: block edges at 16, 32 and 64 bytes are all crossed.
    for needle in (b"x", b"ontext", b"nable to build"):
        for at in range(0, 150 - len(needle), 7):
            data = bytearray(b"ab\ncd\r\n\x00\xff" * 17)[:150]
            data[at : at + len(needle)] = needle
            spans = [(s, len(data)) for s in range(0, at + 2)]
            spans += [(0, at + len(needle)), (0, at + len(needle) - 1), (at, at)]
            check(builds, bytes(data), [b"zz", needle], spans)


@needs_cc
@pytest.mark.parametrize(
    "data, needles",
    [
        (b"raceback", ANCHORS),  # the whole range is the needle
        (b"Traceback (most recent call last):\n" * 3, ANCHORS),  # at offset 1
        (b"\n" * 200 + b"adapter", ANCHORS),  # at the very end
        (b"\n" * 200 + b"adapte", ANCHORS),  # longer than what is left
        (b"ababababab" * 20, [b"abab", b"bab", b"ba"]),  # overlapping needles
        (b"aaaa" * 50, [b"aaaaa", b"aa"]),  # a needle inside another
        (b"line\r\nline\rline\n" * 30 + b"ontext", ANCHORS),  # CR and CRLF
        (bytes(range(256)) * 3, [b"\x00\x01", b"\xfe\xff\x00", b"\n\x0b"]),  # NUL, high bytes
        (b"", ANCHORS),  # nothing to scan
        (b"\n\n\n", ANCHORS),
        (b"x" * 100 + b"\n" * 300, [b"\n\n", b"y"]),  # a needle holding newlines
    ],
)
def test_edge_cases(builds, data, needles):
    n = len(data)
    spans = [(0, n), (1, n), (n, n), (n // 2, n), (0, n // 2), (0, max(n - 1, 0)), (n // 3, n - 2)]
    check(builds, data, needles, [(s, e) for s, e in spans if 0 <= s <= e])


@needs_cc
def test_many_needles_go_in_groups(builds):
    rnd = random.Random(5)
    data = bytes(rnd.choice(b"abcdefgh\n") for _ in range(5000))
    needles = [bytes(rnd.choice(b"abcdefgh") for _ in range(rnd.randint(3, 7))) for _ in range(70)]
    for count in (1, 7, 8, 9, 31, 32, 33, 70):
        check(builds, data, needles[:count], [(0, len(data)), (100, 4000), (4990, 5000)])


@needs_cc
@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=400).map(lambda b: bytes(b"ab\n\r\x00\xff"[c % 6] for c in b)),
    needles=st.lists(
        st.binary(min_size=1, max_size=9).map(lambda b: bytes(b"ab\n\xff"[c % 4] for c in b)),
        min_size=1,
        max_size=12,
    ),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_same_answers_as_find_and_count(builds, data, needles, cut):
    n = len(data)
    lo, hi = sorted(int(c * n) for c in cut)
    check(builds, data, needles, [(lo, hi), (lo, n), (0, n)])


@needs_cc
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux mmap/mprotect")
def test_reads_nothing_outside_the_range(builds):
    # Data between two pages that may not be read: a load past either end would crash.
    code = """
import ctypes, mmap, sys
lib = ctypes.CDLL(sys.argv[1])
fn = lib.ctxfix_skim
fn.restype = ctypes.c_longlong
fn.argtypes = [ctypes.c_void_p, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_char_p,
               ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
page = mmap.PAGESIZE
base = libc.mmap(None, 3 * page, 3, 0x22, -1, 0)  # PROT_READ|WRITE, MAP_PRIVATE|ANONYMOUS
assert base not in (None, ctypes.c_void_p(-1).value)
data = base + page
ctypes.memset(data, ord("\\n"), page)
assert libc.mprotect(base, page, 0) == 0 and libc.mprotect(data + page, page, 0) == 0
needles = [b"raceback", b"nable to build", b"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\nx"]
blob = b"".join(needles)
lens = (ctypes.c_int * 3)(*map(len, needles))
lines = ctypes.c_longlong()
for start in range(0, 80):
    for end in (page, page - 1, page - 13, start + 40):
        if start <= end:
            fn(data, start, end, blob, lens, 3, ctypes.byref(lines))
            assert lines.value == end - start, (start, end, lines.value)
ctypes.memmove(data + page - 8, b"raceback", 8)
assert fn(data, 0, page, blob, lens, 3, ctypes.byref(lines)) == page - 8
assert lines.value == page - 8
print("ok")
"""
    for name, path in builds.items():
        proc = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", (name, proc.stderr[-1000:])


@needs_cc
def test_installed_library_loads_and_agrees():
    """The library shipped next to ctxfix.read._native (built by pip install or pip install -e)."""
    fn = _native.load()
    assert fn is not None, (
        f"{Path(_native.__file__).with_name(_native.LIBRARY)} is missing or does not load: "
        "a C compiler is on PATH, so `pip install -e .` (or `pip install .`) should have built it"
    )
    region = bytearray(b"GET / 200\n" * 5000 + b"Traceback (most recent call last):\n")
    scan = _native.scanner(region, ANCHORS)
    assert scan is not None
    assert scan(0, len(region)) == reference(bytes(region), ANCHORS, 0, len(region))


def test_pure_python_can_be_forced(monkeypatch):
    monkeypatch.setenv("CTXFIX_PURE_PYTHON", "1")
    assert _native.scanner(bytearray(100), ANCHORS) is None


def test_a_library_that_does_not_load_means_pure_python(tmp_path):
    bad = tmp_path / _native.LIBRARY
    bad.write_bytes(b"not a shared library")
    assert _native.load(bad) is None
    assert _native.scanner(bytearray(100), ANCHORS, bad) is None
    assert _native.load(tmp_path / "missing.so") is None


def test_explain_does_not_import_ctypes_for_a_small_input():
    sample = next((ROOT / "tests" / "tracebacks" / "flask-3.1.3").glob("*.txt"))
    code = (
        "import sys; from ctxfix.cli import main; sys.argv = ['ctxfix', 'explain', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('ctypes' in sys.modules, 'ctxfix.read._native' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(sample)], capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.strip().splitlines()[-1] == "False False", proc.stderr[-500:]


# -- whole inputs: the same lines fed, the same findings ----------------------------------------


def big_log(path: Path, size: int = 2_500_000, seed: int = 3) -> Path:
    """Real tracebacks from tests/tracebacks among request-log lines, CRLF and long lines."""
    rnd = random.Random(seed)
    samples = sorted((ROOT / "tests" / "tracebacks").glob("flask-*/*.txt"))
    parts: list[bytes] = []
    total = 0
    while total < size:
        r = rnd.random()
        if r < 0.004:
            chunk = rnd.choice(samples).read_bytes()
        elif r < 0.006:
            chunk = b"x" * rnd.randint(60_000, 70_000) + b"\n"  # near MAX_LINE_BYTES
        elif r < 0.01:
            chunk = b"worker: registered adapter for app context\r\n"  # anchors with no error
        else:
            chunk = b'10.0.0.%d - - "GET /items?page=%d HTTP/1.1" 200 -\n' % (
                rnd.randint(0, 255),
                rnd.randint(0, 99),
            )
        parts.append(chunk)
        total += len(chunk)
    path.write_bytes(b"".join(parts))
    return path


def fed_lines(
    log: Path, scan_override: Optional[str], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> tuple[list[tuple[int, str]], list[tuple]]:
    if scan_override == "pure":
        monkeypatch.setenv("CTXFIX_PURE_PYTHON", "1")
    else:
        monkeypatch.delenv("CTXFIX_PURE_PYTHON", raising=False)
    monkeypatch.setattr(inputs, "_CHUNK", chunk)
    reader = TracebackReader()
    seen: list[tuple[int, str]] = []

    def feed(line: str) -> list:
        seen.append((reader.lineno, line))
        return reader.feed(line)

    with open(log, "rb") as f:
        found, _ = inputs.feed_stream(f, feed, reader, skim_after=0)
    found += reader.close()
    return seen, [(t.exc_type, t.message, t.start_line, t.end_line) for t in found]


def test_skimming_feeds_the_same_lines_whatever_the_scanner_and_chunk(tmp_path, monkeypatch):
    log = big_log(tmp_path / "big.log")
    ways = [("pure", 1 << 20), ("pure", 96 * 1024), ("native", 1 << 20), ("native", 8192)]
    results = {way: fed_lines(log, way[0], monkeypatch, way[1]) for way in ways}
    first = results[ways[0]]
    assert len(first[1]) > 10  # the planted tracebacks were read
    assert len(first[0]) < 100_000  # and most lines were only counted
    for way, got in results.items():
        assert got[0] == first[0], way
        assert got[1] == first[1], way


@needs_cc
def test_explain_json_is_the_same_native_and_pure(tmp_path, runner, monkeypatch):
    log = big_log(tmp_path / "big.log", seed=11)
    assert log.stat().st_size > 2_000_000
    out = {}
    for mode in ("native", "pure"):
        if mode == "pure":
            monkeypatch.setenv("CTXFIX_PURE_PYTHON", "1")
        res = runner.invoke(cli, ["explain", "--format", "json", str(log)])
        assert res.exit_code == 0, res.output[-2000:]
        out[mode] = json.loads(res.output)
    assert out["native"]["findings"], "no finding in a log full of context errors"
    assert out["native"] == out["pure"]


def test_feed_stream_skims_a_stream_without_a_file(monkeypatch):
    # A pipe (no size) is skimmed the same way: the native scan reads the reused buffer.
    text = b"noise\n" * 300_000 + b"Traceback (most recent call last):\n  File 'x'\nValueError: v\n"
    reader = TracebackReader()
    found, saw = inputs.feed_stream(io.BytesIO(text), reader.feed, reader)
    found += reader.close()
    assert saw
    assert [(t.exc_type, t.start_line) for t in found] == [("ValueError", 300_001)]
