"""How fast, and in how much memory, does `ctxfix explain` read a 1 GB log? Prints; asserts nothing.

    python benchmarks/bench_big_log.py [--size-mb 1024] [--count 1000] [--repeat 3] [--dir DIR]

Builds the log with make_big_log.py (real tracebacks of five kinds among ordinary request-log
lines) in a temporary folder, deletes it afterwards (unless --keep), and prints:

- explain's wall time against `grep -c` over the same file (target: at most 5x), best of
  --repeat runs each, with the file already in the page cache; the scanner that skims the log
  (native, when ctxfix was installed with a C compiler at hand, or pure Python), and explain's
  time with CTXFIX_PURE_PYTHON=1 for comparison;
- the peak resident memory of the explain process (target: at most 100 MB);
- whether every planted context error was found, in the right five groups, with first and last
  line numbers that point into the first and last planted copy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_big_log import KINDS, build  # noqa: E402

_RSS_WRAPPER = (
    "import resource, subprocess, sys; "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(
    argv: list[str], repeat: int, env: Optional[dict] = None
) -> tuple[float, subprocess.CompletedProcess]:
    best = float("inf")
    proc = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        best = min(best, time.perf_counter() - t0)
    assert proc is not None
    return best, proc


def native_scanner() -> str:
    """Which scanner explain skims with in this interpreter, as one line."""
    code = (
        "from ctxfix.read import _native; import os; fn = _native.load(); "
        "print(('native (' + os.path.dirname(_native.__file__) + '/' + _native.LIBRARY + ')') "
        "if fn else 'pure Python (no native library: installed without a C compiler?)')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or f"unknown ({out.stderr.strip()[-200:]})"


def peak_rss_mb(argv: list[str]) -> float:
    """Peak RSS of one run of argv, measured by a small parent that only waits for it."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, *argv], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def check(report: dict, manifest: dict, count: int) -> list[str]:
    """What is wrong with the findings, compared with what was planted (empty when all is right)."""
    problems = []
    findings = report.get("findings", [])
    total = sum(f["occurrences"] for f in findings)
    if total != count:
        problems.append(f"found {total} context errors, planted {count}")
    if len(findings) != len(KINDS):
        problems.append(f"{len(findings)} groups, expected {len(KINDS)}")
    by_program = {prog: kind for kind, prog in KINDS.items()}
    for f in findings:
        loc = f.get("location") or {}
        kind = by_program.get(Path(loc.get("path", "")).name)
        if kind is None:
            problems.append(f"a group at {loc.get('path')} matches no planted kind")
            continue
        spots = manifest["kinds"][kind]
        if f["occurrences"] != len(spots):
            problems.append(f"{kind}: {f['occurrences']} occurrences, planted {len(spots)}")
        first, last = f["lines"]["first"], f["lines"]["last"]
        if not spots[0][0] - 1 <= first <= spots[0][1]:
            problems.append(f"{kind}: first line {first} is not in the first copy {spots[0]}")
        if not spots[-1][0] <= last <= spots[-1][1]:
            problems.append(f"{kind}: last line {last} is not in the last copy {spots[-1]}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true", help="keep the log and print its path")
    args = ap.parse_args()

    need = args.size_mb * 1024 * 1024 * 2
    if shutil.disk_usage(args.dir).free < need:
        raise SystemExit(f"not enough free space in {args.dir} for a {args.size_mb} MB log")
    tmp = Path(tempfile.mkdtemp(prefix="ctxfix-biglog-", dir=args.dir))
    log = tmp / "big.log"
    try:
        t0 = time.perf_counter()
        manifest = build(log, args.size_mb, args.count, seed=7)
        print(
            f"log: {manifest['bytes'] / 1e6:,.0f} MB, {manifest['lines']:,} lines, "
            f"{args.count} context errors of {len(KINDS)} kinds, {manifest['unrelated']} other "
            f"tracebacks (built in {time.perf_counter() - t0:.0f} s)"
        )
        subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # page cache

        explain = [sys.executable, "-m", "ctxfix", "explain", "--format", "json", str(log)]
        grep = ["grep", "-c", "Traceback (most recent call last)", str(log)]
        scanner = native_scanner()
        pure_env = {**os.environ, "CTXFIX_PURE_PYTHON": "1"}
        t_grep, g = timed(grep, args.repeat)
        t_explain, e = timed(explain, args.repeat)
        t_pure, p = timed(explain, args.repeat, env=pure_env)
        rss = peak_rss_mb(explain)

        ratio = t_explain / t_grep
        print(f"scanner:  {scanner}")
        print(f"grep -c:  {t_grep:6.2f} s  ({g.stdout.strip()} tracebacks counted)")
        print(
            f"explain:  {t_explain:6.2f} s  = {ratio:.1f}x grep "
            f"(target <= 5x: {'met' if ratio <= 5 else 'NOT met'})"
        )
        same = "same report" if p.stdout == e.stdout else "REPORT DIFFERS from the default run"
        print(
            f"pure:     {t_pure:6.2f} s  = {t_pure / t_grep:.1f}x grep with CTXFIX_PURE_PYTHON=1 "
            f"({same})"
        )
        print(f"peak RSS: {rss:6.1f} MB (target <= 100 MB: {'met' if rss <= 100 else 'NOT met'})")
        if e.returncode not in (0, 1):
            print(f"explain failed (exit {e.returncode}): {e.stderr.strip()[-300:]}")
            return
        report = json.loads(e.stdout)
        problems = check(report, manifest, args.count)
        found = sum(f["occurrences"] for f in report["findings"])
        print(f"found:    {found} of {args.count}, in {len(report['findings'])} groups")
        for f in report["findings"]:
            loc = f.get("location") or {}
            print(
                f"  {f['occurrences']:5d} x {f['cause'] or '(not settled)':24s} "
                f"{Path(loc.get('path', '?')).name}:{loc.get('line')}  "
                f"lines {f['lines']['first']:,}-{f['lines']['last']:,}"
            )
        print("result:   " + ("all planted errors found and grouped right" if not problems else ""))
        for p in problems:
            print(f"  problem: {p}")
    finally:
        if args.keep:
            print(f"kept {log}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
