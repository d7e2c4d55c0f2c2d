"""Build a big log holding real Flask context-error tracebacks among ordinary log lines.

    python benchmarks/make_big_log.py OUT.log [--size-mb 1024] [--count 1000] [--seed 7]

The tracebacks are real: five tiny Flask programs (tests/shapes/programs) are run once each
with the project's interpreter, from a temporary folder, and what they print is embedded
``--count`` times in all (five kinds, the same number each) with the log prefixes those
programs get in production:

    thread    a mail thread under gunicorn and systemd: journald prefix on every line
    celery    a Celery-style worker: repr line with the Celery prefix, then the traceback
    script    a cron script: the bare traceback
    request   a helper called from a report job: Flask's "ERROR in app" line, then the traceback
    url_for   a link builder in a Kubernetes pod: CRI prefix on every line

Around them: werkzeug and gunicorn access lines, application INFO/WARNING lines (some saying
"error" in ordinary ways), and a few unrelated tracebacks (ZeroDivisionError, KeyError).
A manifest OUT.log.json records where each kind was put, for bench_big_log.py to check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "shapes" / "programs"
KINDS = {
    "thread": "thread_app_ctx.py",
    "celery": "worker_log.py",
    "script": "script_app_ctx.py",
    "request": "request_ctx.py",
    "url_for": "url_for_no_server.py",
}
PATHS = ["/", "/api/items", "/api/items/42", "/static/app.js", "/login", "/health", "/cart"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "python-requests/2.32.3"]


def capture(program: str, workdir: Path) -> list[str]:
    """Run one program from a temp folder (so paths look like a user's) and keep its output."""
    dest = workdir / program
    shutil.copy(PROGRAMS / program, dest)
    proc = subprocess.run(
        [sys.executable, str(dest)], capture_output=True, text=True, cwd=workdir, timeout=60
    )
    text = proc.stdout + proc.stderr
    if "Traceback (most recent call last)" not in text:
        raise SystemExit(f"{program} printed no traceback:\n{text}")
    return text.rstrip("\n").splitlines()


def stamp(rng: random.Random) -> tuple[int, int, int, int]:
    return rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(1000)


def ordinary(rng: random.Random, n: int) -> list[str]:
    """``n`` ordinary log lines of several kinds."""
    out = []
    for _ in range(n):
        h, m, s, ms = stamp(rng)
        kind = rng.random()
        path = rng.choice(PATHS)
        if kind < 0.45:
            status = rng.choice((200, 200, 200, 304, 404))
            out.append(
                f"10.0.{rng.randrange(256)}.{rng.randrange(256)} - - [21/Nov/2026 {h:02d}:{m:02d}:"
                f'{s:02d}] "GET {path}?page={rng.randrange(9)} HTTP/1.1" {status} -'
            )
        elif kind < 0.75:
            out.append(
                f"10.1.0.{rng.randrange(256)} - - [21/Nov/2026:{h:02d}:{m:02d}:{s:02d} +0000] "
                f'"POST {path} HTTP/1.1" 201 {rng.randrange(9000)} "-" "{rng.choice(AGENTS)}"'
            )
        elif kind < 0.93:
            out.append(
                f"2026-11-21 {h:02d}:{m:02d}:{s:02d},{ms:03d} INFO app.views: listed "
                f"{rng.randrange(50)} items for user {rng.randrange(10_000)} in "
                f"{rng.random() * 80:.1f} ms"
            )
        elif kind < 0.99:
            out.append(
                f"2026-11-21 {h:02d}:{m:02d}:{s:02d},{ms:03d} WARNING app.cache: cache miss for "
                f"key items:{rng.randrange(10_000)}, rebuilding"
            )
        else:
            out.append(
                f"2026-11-21 {h:02d}:{m:02d}:{s:02d},{ms:03d} INFO app.audit: user "
                f"{rng.randrange(10_000)} dismissed the payment error banner"
            )
    return out


def dress(kind: str, lines: list[str], rng: random.Random) -> list[str]:
    """Give a captured traceback the log prefix its kind has in production."""
    h, m, s, ms = stamp(rng)
    if kind == "thread":
        head = f"Nov 21 {h:02d}:{m:02d}:{s:02d} web01 gunicorn[{rng.randrange(900, 9000)}]: "
        return [head + line for line in lines]
    if kind == "url_for":
        head = f"2026-11-21T{h:02d}:{m:02d}:{s:02d}.{ms:03d}123456Z stderr F "
        return [head + line for line in lines]
    if kind == "request":
        return [
            f"[2026-11-21 {h:02d}:{m:02d}:{s:02d},{ms:03d}] ERROR in app: Exception on "
            f"/reports/{rng.randrange(100)} [GET]",
            *lines,
        ]
    if kind == "celery":
        # The program logs with a fixed clock; give each occurrence its own time and task id.
        first = lines[0].split("] ", 1)[1]
        task = f"{rng.getrandbits(32):08x}-8d0b-4c55-9a51-{rng.getrandbits(48):012x}"
        first = first.replace("3f1c2a9e-8d0b-4c55-9a51-0c1d2e3f4a5b", task)
        head = f"[2026-11-21 {h:02d}:{m:02d}:{s:02d},{ms:03d}: ERROR/ForkPoolWorker-2] "
        return [head + first, *lines[1:]]
    return lines


UNRELATED = [
    "Traceback (most recent call last):",
    '  File "/srv/app/app/reports.py", line 31, in average',
    "    return total / count",
    "           ~~~~~~^~~~~~~",
    "ZeroDivisionError: division by zero",
]
UNRELATED_2 = [
    "[2026-11-21 10:00:00,000] ERROR in app: Exception on /cart [POST]",
    "Traceback (most recent call last):",
    '  File "/srv/app/venv/lib/python3.11/site-packages/flask/app.py", line 1511, in wsgi_app',
    "    response = self.full_dispatch_request()",
    '  File "/srv/app/app/cart.py", line 12, in add',
    '    item = CATALOG[request.form["sku"]]',
    "KeyError: 'sku-404'",
]


def build(out: Path, size_mb: int, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        captured = {kind: capture(prog, Path(tmp)) for kind, prog in KINDS.items()}
    target = size_mb * 1024 * 1024
    pool = ordinary(rng, 40_000)
    avg = sum(len(x) + 1 for x in pool) / len(pool)
    plan = [k for k in KINDS for _ in range(count // len(KINDS))]
    rng.shuffle(plan)
    unrelated = max(1, count // 10)
    gaps = len(plan) + unrelated + 1
    per_gap = max(1, int(target / avg / gaps))
    events = plan + ["unrelated"] * unrelated
    rng.shuffle(events)
    manifest: dict = {"kinds": {k: [] for k in KINDS}, "unrelated": 0, "lines": 0}
    lineno = 0
    written = 0
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for event in [*events, None]:
            block = rng.choices(pool, k=per_gap)
            text = "\n".join(block) + "\n"
            fh.write(text)
            written += len(text)
            lineno += per_gap
            if event is None:
                break
            if event == "unrelated":
                lines = rng.choice((UNRELATED, UNRELATED_2))
                manifest["unrelated"] += 1
            else:
                lines = dress(event, captured[event], rng)
                manifest["kinds"][event].append([lineno + 1, lineno + len(lines)])
            text = "\n".join(lines) + "\n"
            fh.write(text)
            written += len(text)
            lineno += len(lines)
    manifest["lines"] = lineno
    manifest["bytes"] = written
    Path(str(out) + ".json").write_text(json.dumps(manifest))
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    free = shutil.disk_usage(args.out.resolve().parent).free
    if free < args.size_mb * 1024 * 1024 * 2:
        raise SystemExit(f"not enough free space in {args.out.parent} for {args.size_mb} MB")
    m = build(args.out, args.size_mb, args.count, args.seed)
    print(
        f"wrote {args.out}: {m['bytes'] / 1e6:.0f} MB, {m['lines']:,} lines, "
        f"{sum(len(v) for v in m['kinds'].values())} context errors in {len(m['kinds'])} kinds, "
        f"{m['unrelated']} unrelated tracebacks"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
