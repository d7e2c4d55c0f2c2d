"""Every printed snippet is right and safe: filled with the user's names, minimal, valid Python.

The names come from the corpus (tests/tracebacks/): what the project's own examples printed under
real Flask versions, read by explain as a user's traceback would be.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from ctxfix.engine import Finding, Location
from ctxfix.knowledge import PLACEHOLDERS
from ctxfix.render.templates import (
    VERIFY_MARKER,
    fill,
    import_names,
    paste_verify,
    placeholders,
    split_verify,
)
from ctxfix.service import explain_text
from ctxfix.verify import find_examples

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "tracebacks" / "flask-3.1.3").glob("*--*.txt"))


def _pages(kb):
    """Every page that has snippets: each cause, and each family's fallback page."""
    return [*kb.causes.values(), *kb.families.values()]


def _snippets(page):
    """(label, code, is_verify) for every fix and verify snippet of a page and its variants."""
    out = [(f"fix {s.title}", s.code, False) for s in page.fix]
    out.append(("verify", page.verify, True))
    for v in getattr(page, "variants", []):
        out += [(f"{v.id} fix {s.title}", s.code, False) for s in v.fix]
        if v.verify:
            out.append((f"{v.id} verify", v.verify, True))
    return out


@pytest.fixture(scope="module")
def corpus_names(kb) -> list[tuple[str, dict[str, str]]]:
    """The names explain reads off each corpus traceback."""
    out = []
    for path in CORPUS:
        for f in explain_text(path.read_text(encoding="utf-8"), kb).findings:
            out.append((path.stem, placeholders(f)))
    assert len(out) >= len(CORPUS)
    return out


def _compiles(text: str, name: str) -> None:
    """Compile a snippet as a module, or as the body of a view when it returns from one (an
    async view when it awaits, as Quart's and async views' snippets do)."""
    try:
        compile(text, name, "exec", dont_inherit=True)
        return
    except SyntaxError as exc:
        if not str(exc).startswith(("'return' outside function", "'await' outside", "'async")):
            raise
    body = textwrap.indent(text, "    ")
    try:
        compile("def view():\n" + body, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if "outside async function" not in str(exc):
            raise
        compile("async def view():\n" + body, name, "exec", dont_inherit=True)


def test_every_snippet_filled_with_names_from_the_corpus_compiles(kb, corpus_names):
    checked = 0
    for page in _pages(kb):
        for label, code, _ in _snippets(page):
            for source, names in [("defaults", {}), *corpus_names]:
                text = fill(code, names)
                try:
                    _compiles(text, f"{page.title}: {label}")
                except SyntaxError as exc:
                    pytest.fail(f"{page.title} / {label} filled from {source}: {exc}\n{text}")
                checked += 1
    assert checked > 1000


def test_the_names_cover_what_the_snippets_use(kb, corpus_names):
    used = {
        m.group(1)
        for page in _pages(kb)
        for _, code, _ in _snippets(page)
        for m in re.finditer(r"\{\{\s*(\w+)", code)
    }
    read = {name for _, names in corpus_names for name in names}
    assert used <= set(PLACEHOLDERS)
    assert read <= set(PLACEHOLDERS)
    assert {"function", "module", "package", "code", "app", "db", "factory"} <= read


def _finding(*frames: tuple[str, str, str], proxy=None) -> Finding:
    locs = [Location(path, i + 1, fn, code) for i, (path, fn, code) in enumerate(frames)]
    return Finding(
        family="app-context",
        exc_type="RuntimeError",
        message="Working outside of application context.",
        proxy=proxy,
        location=locs[-1],
        cause=None,
        variant=None,
        candidates=[],
        evidence=[],
        user_frames=locs,
    )


def test_names_are_read_from_the_frames():
    f = _finding(
        ("/home/u/shelf/tests/test_books.py", "test_add", "app = create_app()"),
        ("/home/u/shelf/bookshelf/__init__.py", "create_app", "db.init_app(app)"),
        ("/home/u/shelf/bookshelf/models.py", "add_book", "db.session.add(book)  # new # one"),
    )
    names = placeholders(f)
    assert names["package"] == "bookshelf"
    assert names["module"] == "bookshelf.models"
    assert names["function"] == "add_book"
    assert names["test"] == "test_add"
    assert names["factory"] == "create_app" and names["factory_module"] == "bookshelf"
    assert names["db"] == "db" and names["app"] == "app"
    assert names["code"] == "db.session.add(book)"
    assert names["entry"] == "app = create_app()"


def test_other_object_names_and_a_partial_line():
    f = _finding(
        ("/srv/tools/seed.py", "<module>", "application = make_app('prod')"),
        ("/srv/tools/seed.py", "main", "with application.app_context():"),
        ("/srv/tools/seed.py", "seed", "database.create_all("),
    )
    names = placeholders(f)
    assert names["app"] == "application"
    assert names["db"] == "database"
    assert names["factory"] == "make_app"
    assert "code" not in names, "a line cut in the middle is no statement to paste"
    deep = _finding(("/srv/x.py", "f", "x = " + "(" * 5000 + ")" * 5000))
    assert "code" not in placeholders(deep), "a line too deep to compile is left out"
    assert names["module"] == "seed" and "package" not in names


def test_import_names_from_the_files_on_disk(tmp_path):
    pkg = tmp_path / "shop" / "billing"
    pkg.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "invoices.py").write_text("")
    (tmp_path / "run.py").write_text("")
    names = import_names([str(pkg / "invoices.py"), str(tmp_path / "run.py")])
    assert names[str(pkg / "invoices.py")] == "shop.billing.invoices"
    assert names[str(tmp_path / "run.py")] == "run"


def test_the_issue_report_gets_the_users_package_in_the_pytest_fixture(kb):
    f = _finding(
        ("tests/test_loans.py", "test_lend", "lend(book_id=3)"),
        ("bookshelf/loans.py", "lend", "db.session.add(Loan(book_id=book_id))"),
    )
    f.cause = kb.causes["pytest-test"]
    fixture = fill(f.cause.fix[0].code, placeholders(f))
    assert "from bookshelf import create_app" in fixture
    assert "def test_lend(app):" in fixture
    assert "myapp" not in fixture


@pytest.mark.parametrize("page_kind", ["causes", "families"])
def test_fixes_never_make_a_second_app_object(kb, page_kind):
    pages = kb.causes.values() if page_kind == "causes" else kb.families.values()
    for page in pages:
        for label, code, is_verify in _snippets(page):
            if not is_verify:
                assert not re.search(r"\bFlask\(", code), f"{page.title} / {label} makes an app"


def test_pytest_fixtures_configure_the_app_before_extensions_read_it(kb):
    snippets = [code for _, code, _ in _snippets(kb.causes["pytest-test"])]
    calls = [c for c in snippets if "create_app" in c]
    assert calls
    for code in calls:
        assert '{"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}' in code
        assert "config.update(TESTING" not in code and 'config["TESTING"]' not in code
    for page in _pages(kb):
        for label, code, _ in _snippets(page):
            for uri in re.findall(r"\b\w+(?:\+\w+)?://[^\s\"']*", code):
                assert uri in ("sqlite://", "https://example.com") or not uri.startswith(
                    ("sqlite:///", "postgres", "mysql")
                ), f"{page.title} / {label} names a real database: {uri}"


def _binds(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def test_verify_snippets_bind_no_name_where_they_are_pasted(kb):
    for page in _pages(kb):
        for label, code, is_verify in _snippets(page):
            if not is_verify:
                continue
            imports, body = split_verify(code)
            first = imports.splitlines()[0]
            assert first.startswith(("import flask", "import quart")), f"{page.title} / {label}"
            assert body and "ctxfix verify: ok" in body
            bound = _binds(ast.parse(body))
            assert not bound, f"{page.title} / {label} binds {bound} in the user's function"


def test_a_verify_snippet_pasted_into_a_function_that_uses_current_app_runs(kb):
    # The function of the issue report: it used current_app before the pasted lines.
    source = textwrap.dedent(
        '''\
        """Mail helpers."""
        from flask import Flask, current_app

        app = Flask("shop")


        def sender():
            name = current_app.name
            # ctxfix: verify
            return name + "@example.com"


        with app.app_context():
            print(sender())
        '''
    )
    for page in _pages(kb):
        if "assert flask.has_app_context()" not in page.verify or "sqlalchemy" in page.verify:
            continue
        pasted = paste_verify(source, page.verify)
        assert pasted is not None and VERIFY_MARKER not in pasted
        assert pasted.index("import flask") < pasted.index("from flask import")
        scope: dict = {"__name__": "pasted"}
        exec(compile(pasted, "pasted.py", "exec"), scope)  # our own program, not the user's


def test_paste_at_module_level_keeps_the_imports_with_the_lines():
    pasted = paste_verify("x = 1\n# ctxfix: verify\n", "import flask\n\nassert flask\nprint(1)\n")
    assert pasted == "x = 1\nimport flask\nassert flask\nprint(1)\n"
    assert paste_verify("x = 1\n", "import flask\n\nprint(1)\n") is None


def test_every_bundled_fixed_example_proves_its_verify_snippet(kb):
    for ex in find_examples(kb):
        texts = [p.read_text() for p in ex.fixed.rglob("*.py")] + list(ex.run) + [ex.stdin or ""]
        assert any(VERIFY_MARKER in t for t in texts), f"{ex.label} has no '{VERIFY_MARKER}' line"
        assert not any("ctxfix verify: ok" in t for t in texts), f"{ex.label} pastes by hand"


def test_import_names_of_a_relative_script_beside_absolute_modules():
    # Python 3.8 prints `python main.py` as "main.py" and the modules it imports absolutely
    # (tests/tracebacks/flask-1.1.4/non-flask-host--wsgi-middleware-audit.txt)
    names = import_names(["main.py", "/home/dev/project/audit.py"])
    assert names == {"main.py": "main", "/home/dev/project/audit.py": "audit"}
