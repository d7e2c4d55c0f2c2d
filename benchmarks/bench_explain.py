"""Time `ctxfix explain` on one traceback against `python -c "import click"`.

Both run in this interpreter, interleaved, and the script prints the medians and their ratio
(target: 1.7 or lower). The traceback is made by running a tiny Flask program for real, so Flask
must be importable here. ctxfix's bytecode is compiled first, as `pip install` does: with
PYTHONDONTWRITEBYTECODE set, an editable install would otherwise recompile every module on every
run while click's installed bytecode is reused. With --callgrind (and valgrind installed) it also
prints instruction counts, which do not depend on how busy the machine is.

Usage: python benchmarks/bench_explain.py [--runs N] [--format text|json] [--callgrind]
"""

from __future__ import annotations

import argparse
import compileall
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROGRAM = textwrap.dedent(
    """
    import threading
    from flask import Flask, current_app
    app = Flask("shop")

    def send_receipt():
        print(current_app.config["DEBUG"])

    t = threading.Thread(target=send_receipt)
    t.start()
    t.join()
    """
)


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "--format", choices=["text", "json"], default="text", help="explain's output format"
    )
    ap.add_argument("--callgrind", action="store_true", help="also count instructions")
    args = ap.parse_args()
    import ctxfix

    compileall.compile_dir(Path(ctxfix.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "program.py"
        prog.write_text(PROGRAM)
        out = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True)
        tb = Path(tmp) / "traceback.txt"
        tb.write_text(out.stderr)
        explain = [sys.executable, "-m", "ctxfix", "explain", "--format", args.format, str(tb)]
        baseline = [sys.executable, "-c", "import click"]
        check = subprocess.run(explain, capture_output=True, text=True)
        if check.returncode != 0:
            sys.exit(f"explain failed (exit {check.returncode}): {check.stderr.strip()}")
        for _ in range(3):  # warm the knowledge cache and the OS file cache
            timed(explain)
            timed(baseline)
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(timed(explain))
            theirs.append(timed(baseline))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"explain ({args.format}) median: {a * 1000:.1f} ms over {args.runs} runs")
        print(f"python -c 'import click' median: {b * 1000:.1f} ms")
        print(f"ratio: {a / b:.2f} (target <= 1.7)")
        if args.callgrind:
            if not shutil.which("valgrind"):
                print("instructions: valgrind is not installed")
                return
            x, y = instructions(explain), instructions(baseline)
            print(
                f"instructions: explain {x / 1e6:.0f}M, import click {y / 1e6:.0f}M, "
                f"ratio {x / y:.2f}"
            )


def instructions(cmd: list[str]) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
    ).stderr
    m = re.search(r"Collected : (\d+)", out)
    return int(m.group(1)) if m else 0


if __name__ == "__main__":
    main()
