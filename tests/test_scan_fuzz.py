"""Fuzzing `ctxfix scan` with hostile bytes and hostile structures: it never crashes, never hangs,
and one bad file never hides the findings of the others."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ctxfix.scan import scan_paths, scan_source

BUG = "from flask import current_app\nNAME = current_app.name\n"
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    data=st.binary(max_size=2000), prefix=st.sampled_from([b"", b"import flask\n", b"\xef\xbb\xbf"])
)
def test_hostile_bytes_never_crash_the_scan(tmp_path: Path, data: bytes, prefix: bytes) -> None:
    root = tmp_path / "tree"
    root.mkdir(exist_ok=True)
    (root / "a_fuzz.py").write_bytes(prefix + data)
    (root / "b_real.py").write_text(BUG, encoding="utf-8")
    report = scan_paths([str(root)], jobs=1)
    assert ("b_real.py", "CTX104") in {(Path(f.path).name, f.rule) for f in report.findings}
    assert all(Path(e.path).name == "a_fuzz.py" for e in report.errors)
    assert not any("please report it" in e.message for e in report.errors), report.errors


# Hostile structures: programs built from the constructs the model treats specially, nested at
# random, with names that collide with Flask's.
NAMES = ["current_app", "request", "g", "db", "app", "self", "f", "Thread", "url_for", "x"]
EXPRS = st.sampled_from(
    [
        "current_app.config['X']",
        "request.args",
        "db.session.add(x)",
        "url_for('index')",
        "current_app",
        "g",
        "f()",
        "self.f()",
        "x.y().z",
        "threading.Thread(target=f).start()",
        "threading.Thread(target=self.f, args=(current_app,)).start()",
        "pool.submit(lambda: current_app.name)",
        "Response(f())",
        "has_app_context()",
        "[current_app for current_app in x]",
        "(yield request.path)",
        "partial(f, 1)",
        "copy_current_request_context(f)",
        "celery.Task",
        "User.query.all()",
        "app.app_context().push()",
    ]
)
HEADER = (
    "import threading\nfrom functools import partial\n"
    "from flask import Flask, Response, current_app, request, g, url_for, has_app_context\n"
    "from flask import copy_current_request_context\nfrom celery import Celery, shared_task\n"
    "from .ext import db, User\napp = Flask(__name__)\ncelery = Celery()\n"
)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _blocks(children: st.SearchStrategy) -> st.SearchStrategy:
    def wrap(head: str):
        return children.map(lambda body: [*head.split("\n"), *_indent(body or ["pass"])])

    heads = st.sampled_from(
        [
            "def f(x=current_app):",
            "async def f():",
            "class C(threading.Thread):",
            "if current_app:",
            "if not has_app_context():",
            "with app.app_context():",
            "with app.test_request_context():",
            "for current_app in x:",
            "while request:",
            "try:",
            "@app.route('/')\ndef view():",
            "@celery.task\ndef task():",
            "@shared_task(base=C)\ndef task2():",
            "if __name__ == '__main__':",
        ]
    )

    def build(head: str) -> st.SearchStrategy:
        block = wrap(head)
        if head == "try:":
            return block.map(lambda lines: [*lines, "except RuntimeError:", "    pass"])
        return block

    return heads.flatmap(build)


STATEMENTS = st.recursive(
    st.lists(EXPRS.map(lambda e: [f"x = {e}"]), min_size=1, max_size=3).map(
        lambda groups: [line for g in groups for line in g]
    ),
    lambda children: st.lists(st.one_of(_blocks(children), children), min_size=1, max_size=4).map(
        lambda groups: [line for g in groups for line in g]
    ),
    max_leaves=25,
)


@SETTINGS
@given(body=STATEMENTS)
def test_hostile_structures_never_crash_the_model(body: list[str]) -> None:
    source = HEADER + "\n".join(body) + "\n"
    try:
        ast.parse(source)
    except SyntaxError:  # `yield` outside a function, `await` outside async: not the point here
        assume(False)
    for finding in scan_source(source, "app/fuzzed.py"):
        assert finding.line >= 1 and finding.col >= 1


@SETTINGS
@given(
    edges=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=20),
    uses=st.lists(st.integers(0, 5), max_size=6),
)
def test_import_and_call_cycles_between_modules_terminate(
    tmp_path: Path, edges: list[tuple[int, int]], uses: list[int]
) -> None:
    root = tmp_path / "proj"
    pkg = root / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    for i in range(6):
        lines = ["import threading", "from flask import current_app"]
        lines += [f"from .m{b} import f{b}" for a, b in edges if a == i]
        lines += [f"from .m{i} import f{i} as again{i}"]
        lines.append(f"def f{i}():")
        lines += [f"    f{b}()" for a, b in edges if a == i] or ["    pass"]
        if i in uses:
            lines.append("    return current_app.name")
        lines.append(f"threading.Thread(target=f{i}).start()")
        (pkg / f"m{i}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = scan_paths([str(root)], jobs=1)
    assert report.errors == []
    flagged = {Path(f.path).stem for f in report.findings if f.rule == "CTX101"}
    assert {f"m{i}" for i in uses} <= flagged
