"""How fast is `ctxfix scan` on a large project? Prints files per second; asserts nothing.

    python benchmarks/bench_scan.py [--files 2000] [--repeat 3]
    python benchmarks/bench_scan.py --package indico [--package apache-superset==6.1.0]

The first form generates a tree in a temporary folder: Flask views, models, Celery tasks, click
commands and thread helpers of realistic size (60-120 lines each), a few with planted bugs
(target: 2,000 files a second). The second downloads released packages with pip (no
dependencies), unpacks them, and scans each in a child process, once in one process and once
with the default pool: files per CPU-second (target: 1,000 per core) and peak memory (target:
under 100 MB), with the time `ast.parse` alone takes on the same files for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctxfix.scan import scan_paths  # noqa: E402

VIEWS = '''
"""Views for the {name} section."""

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask import stream_with_context, url_for

from ..extensions import db
from ..models import Item{n}, User

bp = Blueprint("{name}", __name__, url_prefix="/{name}")


@bp.route("/")
def index():
    page = request.args.get("page", 1, type=int)
    items = Item{n}.query.order_by(Item{n}.id).paginate(page=page, per_page=20)
    return render_template("{name}/index.html", items=items)


@bp.route("/<int:item_id>")
def show(item_id):
    item = db.get_or_404(Item{n}, item_id)
    g.item = item
    return render_template("{name}/show.html", item=item)


@bp.route("/", methods=["POST"])
def create():
    data = request.get_json() or {{}}
    item = Item{n}(name=data.get("name", ""), owner_id=g.user.id)
    db.session.add(item)
    db.session.commit()
    current_app.logger.info("created %s", item.id)
    return jsonify(id=item.id, url=url_for("{name}.show", item_id=item.id)), 201


@bp.route("/export")
def export():
    def rows():
        for item in Item{n}.query.yield_per(100):
            yield f"{{item.id}},{{item.name}},{{request.args.get('sep', ',')}}\\n"

    return Response(stream_with_context(rows()), mimetype="text/csv")


@bp.route("/search")
def search():
    term = request.args.get("q", "")
    users = User.query.filter(User.name.ilike(f"%{{term}}%")).limit(10).all()
    results = []
    for user in users:
        if user.active and term:
            results.append({{"id": user.id, "name": user.name}})
        elif not term:
            break
    return jsonify(results=results, count=len(results))


def _format(item):
    return {{"id": item.id, "name": item.name, "url": url_for("{name}.show", item_id=item.id)}}
'''

TASKS = '''
"""Background work for {name}."""

import threading
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from flask import current_app

from ..extensions import db
from ..models import Item{n}

pool = ThreadPoolExecutor(max_workers=4)


@shared_task(ignore_result=False)
def reindex_{n}(batch=100):
    total = 0
    for item in Item{n}.query.yield_per(batch):
        item.search_vector = item.name.lower()
        total += 1
    db.session.commit()
    current_app.logger.info("reindexed %d", total)
    return total


def _notify(app, item_id):
    with app.app_context():
        item = db.session.get(Item{n}, item_id)
        current_app.logger.info("notify %s", item.name)


def notify_later(item_id):
    app = current_app._get_current_object()
    threading.Thread(target=_notify, args=(app, item_id), daemon=True).start()


def _warm(app, item_id):
    with app.app_context():
        return db.session.get(Item{n}, item_id)


def warm_cache(ids):
    app = current_app._get_current_object()
    return [pool.submit(_warm, app, i) for i in ids]{bug}
'''

MODELS = '''
"""Models for {name}."""

from datetime import datetime

from ..extensions import db


class Item{n}(db.Model):
    __tablename__ = "item_{n}"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created = db.Column(db.DateTime, default=datetime.utcnow)
    search_vector = db.Column(db.Text)

    def to_dict(self):
        return {{
            "id": self.id,
            "name": self.name,
            "owner_id": self.owner_id,
            "created": self.created.isoformat() if self.created else None,
        }}

    def rename(self, name):
        if not name:
            raise ValueError("name must not be empty")
        self.name = name.strip()
        return self

    def __repr__(self):
        return f"<Item{n} {{self.id}} {{self.name!r}}>"


def recent(limit=10):
    return Item{n}.query.order_by(Item{n}.created.desc()).limit(limit).all()
'''

UTIL = '''
"""Helpers with no Flask in them ({name})."""

import json
import math
import re

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text):
    return _SLUG.sub("-", text.lower()).strip("-")


def chunks(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else math.nan


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


class Pager:
    def __init__(self, items, per_page=20):
        self.items = list(items)
        self.per_page = per_page

    @property
    def pages(self):
        return max(1, math.ceil(len(self.items) / self.per_page))

    def page(self, number):
        start = (number - 1) * self.per_page
        return self.items[start : start + self.per_page]
'''

TEMPLATES = [VIEWS, TASKS, MODELS, UTIL]


def generate(root: Path, count: int) -> None:
    for i in range(count):
        kind = TEMPLATES[i % len(TEMPLATES)]
        package = root / f"pkg{i // 100}"
        package.mkdir(parents=True, exist_ok=True)
        bug = "\n\n\ndef leak():\n    pool.submit(_notify, current_app, 1)\n" if i % 40 == 1 else ""
        text = kind.format(name=f"section{i}", n=i, bug=bug)
        (package / f"mod{i}.py").write_text(text, encoding="utf-8")


def _best(root: Path, repeat: int, jobs: Optional[int]) -> tuple[float, float, int, int]:
    """Best wall time and CPU time (this process and its workers) over ``repeat`` scans."""
    best_wall = best_cpu = float("inf")
    files = findings = 0
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        report = scan_paths([str(root)], jobs=jobs)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
        files, findings = report.files, len(report.findings)
    return best_wall, best_cpu, files, findings


# Run in a child so that its peak memory is the scan's own.
_CHILD = """
import ast, gc, json, os, resource, sys, time
from ctxfix.scan import files, scan_paths
root, jobs, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
jobs = None if jobs == "default" else int(jobs)
best_cpu = best_wall = float("inf")
for _ in range(repeat):
    before, start = os.times(), time.perf_counter()
    report = scan_paths([root], jobs=jobs)
    wall, after = time.perf_counter() - start, os.times()
    best_wall = min(best_wall, wall)
    best_cpu = min(best_cpu, sum(after[:4]) - sum(before[:4]))
parse = float("inf")
gc.disable()  # as the scan does while it parses
for _ in range(repeat):
    start = time.process_time()
    for path in files.walk([root]):
        text = files.read(path)
        if isinstance(text, str):
            try:
                ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
    parse = min(parse, time.process_time() - start)
gc.enable()
print(json.dumps({
    "files": report.files, "findings": len(report.findings), "notes": len(report.errors),
    "wall": best_wall, "cpu": best_cpu, "parse_all": parse,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def _download(spec: str, into: Path) -> Path:
    """pip download a released package (no dependencies) and unpack it; the folder to scan."""
    got = into / "download"
    got.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(got), spec],
        check=True,
    )
    [archive] = sorted(got.iterdir())
    tree = into / archive.name.split("-")[0]
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tree)
    else:
        import tarfile

        with tarfile.open(archive) as tf:
            tf.extractall(tree, filter="data")
    return tree


def bench_package(spec: str, repeat: int) -> None:
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="ctxfix-bench-pkg-") as tmp:
        tree = _download(spec, Path(tmp))
        print(f"package:      {spec} ({sum(1 for _ in tree.rglob('*.py'))} .py files)")
        for label, jobs in (("one process", "1"), ("default", "default")):
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, str(tree), jobs, str(repeat)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(root)},
            )
            r = json.loads(done.stdout)
            rss = max(r["rss_mb"], r["children_rss_mb"])
            print(
                f"{label + ':':<13} {r['files'] / r['cpu']:,.0f} files per CPU-second, "
                f"{r['files'] / r['wall']:,.0f} files/s wall (best of {repeat}: {r['wall']:.2f} s "
                f"wall, {r['cpu']:.2f} s CPU; ast.parse of every file alone: "
                f"{r['parse_all']:.2f} s); peak memory {rss:.0f} MB; {r['findings']} findings, "
                f"{r['notes']} notes"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--package",
        action="append",
        metavar="SPEC",
        help="scan a released package downloaded with pip (e.g. indico, apache-superset==6.1.0)",
    )
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if args.package:
        print(f"machine:      {os.cpu_count()} CPUs, load average {load:.2f} before the run")
        for spec in args.package:
            bench_package(spec, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="ctxfix-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.files)
        lines = sum(p.read_text().count("\n") for p in root.rglob("*.py"))
        print(f"tree:         {args.files} files, {lines} lines")
        print(f"machine:      {os.cpu_count()} CPUs, load average {load:.2f} before the run")
        rate = 0.0
        for label, jobs in (("one process", 1), ("default", None)):
            wall, cpu, files, findings = _best(root, args.repeat, jobs)
            rate = files / wall
            print(
                f"{label + ':':<13} {rate:,.0f} files/s, {lines / wall:,.0f} lines/s "
                f"(best of {args.repeat}: {wall:.3f} s wall, {cpu:.3f} s CPU; "
                f"{files / cpu:,.0f} files per CPU-second; {findings} findings)"
            )
        print(f"target:       2,000 files/s -> {'met' if rate >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
