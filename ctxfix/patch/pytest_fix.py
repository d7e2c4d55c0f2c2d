"""The pytest-test edit: a test gets an app fixture that pushes a context, or pushes one itself.

A fixture is only ever added to the test module's folder's ``conftest.py``; the app is configured
when it is made (``create_app({"TESTING": True, ...})``), before extensions read the config,
and a Flask-SQLAlchemy project gets an in-memory database, never its real one.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import libcst as cst

from ctxfix.patch.apps import Factory
from ctxfix.patch.case import Case, ctx_method, push_context, rest_end, use_app, wrap_with_app
from ctxfix.patch.source import (
    PatchError,
    Place,
    Source,
    Stmt,
    assigned_names,
    callee,
    code_of,
    dotted,
    imports_of,
    param_names,
)


def is_test_file(path: Path) -> bool:
    n = path.name
    return n == "conftest.py" or n.startswith("test_") or n.endswith("_test.py")


def _fixture_scope(fn: cst.FunctionDef) -> Optional[str]:
    """None when ``fn`` is no fixture; else its scope."""
    for d in fn.decorators:
        dec = d.decorator
        name = callee(dec) if isinstance(dec, cst.Call) else code_of(dec)
        if name and name.endswith("fixture"):
            if isinstance(dec, cst.Call):
                for a in dec.args:
                    if a.keyword is not None and a.keyword.value == "scope":
                        return code_of(a.value).strip("\"'")
            return "function"
    return None


def _fixtures(case: Case, test_src: Source) -> dict[str, tuple[Source, cst.FunctionDef]]:
    """Fixtures the test can see: its module's, then conftest.py files up to this folder."""
    out: dict[str, tuple[Source, cst.FunctionDef]] = {}
    sources = [test_src]
    folder = test_src.path.parent.resolve()
    root = case.project.root.resolve()
    while True:
        conf = folder / "conftest.py"
        if conf.is_file() and conf != test_src.path.resolve():
            s = case.project.source(conf)
            if s is not None:
                sources.append(s)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent
    for s in sources:
        for fn, scopes in s.functions():
            if not scopes and _fixture_scope(fn) is not None:
                out.setdefault(fn.name.value, (s, fn))
    return out


def _app_fixture(case: Case, fixtures: dict, src: Source) -> Optional[str]:
    """The name of the fixture that gives the app."""
    names = []
    for name, (s, fn) in fixtures.items():
        body = fn.body
        if (
            any(case.apps.is_app_expr(s, v) for st in _all(body) for _, v in assigned_names(st))
            or name == "app"
        ):
            names.append(name)
    if "app" in names:
        return "app"
    return names[0] if len(names) == 1 else None


def _all(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    out: list[cst.BaseStatement] = []
    if isinstance(block, cst.IndentedBlock):
        for st in block.body:
            out.append(st)
            if isinstance(st, cst.BaseCompoundStatement) and not isinstance(
                st, (cst.FunctionDef, cst.ClassDef)
            ):
                out += _all(st.body)
    return out


def _hands_out_bare(fn: cst.FunctionDef) -> Optional[str]:
    """The app name a fixture returns or yields outside any context, else None."""
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        small = last.body[0]
        value = small.value if isinstance(small, cst.Return) else None
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Yield):
            value = small.value.value  # type: ignore[assignment]
        if isinstance(value, cst.Name):
            return value.value
    return None


def _pushes_context(fn: cst.FunctionDef) -> bool:
    return _hands_out_bare(fn) is None


def fix_test(case: Case) -> None:
    test_places = [p for p in case.places if is_test_file(p.path)]
    method = ctx_method(case)
    if not test_places:
        wrap_with_app(case, case.entry_places(), method)
        return
    place = test_places[-1]
    src, st = case.stmt(place)
    fn = st.function
    if fn is None:
        wrap_with_app(case, [place], method)
        return
    fixtures = _fixtures(case, src)
    scope = _fixture_scope(fn)
    params = param_names(fn)
    app_fx = _app_fixture(case, fixtures, src)
    # The test or fixture makes its own app (an app it does not import yet is not brought in:
    # it would be configured for development, with its real database).
    ref = case.apps.find(src, st, allow_factory=False)
    if ref is not None and ref.name not in params and ref.import_from is None:
        name = use_app(case, src, st, ref)
        push_context(case, src, st, rest_end(st), name, method)
        return
    # It asks for the app fixture.
    given = [p for p in params if p in fixtures and p == app_fx]
    if given:
        _with_fixture(case, src, st, given[0], fixtures, method, place)
        return
    # A session-scoped fixture cannot use the function-scoped app fixture, and a unittest
    # TestCase method gets no fixtures: either makes its own app.
    if scope not in (None, "function") or _in_testcase(st):
        _own_app(case, src, st, fixtures, app_fx, method, scope)
        return
    if app_fx is not None:
        _add_param(case, src, fn, app_fx)
        fsrc, ffn = fixtures[app_fx]
        # A Quart fixture cannot have pushed a context the test runs in (only a coroutine can).
        if method != "app_context" or not _pushes_context(ffn) or case.quart:
            push_context(case, src, st, rest_end(st), app_fx, method)
        return
    _new_fixture(case, src, st, fn, method, place)


def _in_testcase(st: Stmt) -> bool:
    """The statement is in a method of a unittest.TestCase class."""
    for scope in st.scopes:
        if isinstance(scope, cst.ClassDef):
            if any((dotted(b.value) or "").endswith("TestCase") for b in scope.bases):
                return True
    return False


def _add_param(case: Case, src: Source, fn: cst.FunctionDef, name: str) -> None:
    def change(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.FunctionDef)
        params = list(n.params.params)
        first = 1 if params and params[0].name.value in ("self", "cls") else 0
        params.insert(first, cst.Param(cst.Name(name)))
        # pytest passes fixtures by name, so order does not matter; a trailing comma does.
        for i in range(len(params) - 1):
            if params[i].comma is cst.MaybeSentinel.DEFAULT:
                params[i] = params[i].with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
        return n.with_changes(params=n.params.with_changes(params=params))

    case.edit(src).node(fn, change)


def _with_fixture(
    case: Case, src: Source, st: Stmt, name: str, fixtures: dict, method: str, place: Place
) -> None:
    fsrc, ffn = fixtures[name]
    editable = fsrc.path == src.path or (
        fsrc.path.name == "conftest.py" and fsrc.path.parent == src.path.parent
    )
    bare = _hands_out_bare(ffn)
    if method == "app_context" and bare is not None and editable and not case.quart:
        assert isinstance(ffn.body, cst.IndentedBlock)
        comment = "  # the test runs inside this context"
        case.edit(fsrc).replace_stmt(
            fsrc.stmt_of(ffn.body.body[-1]),
            f"with {bare}.app_context():\n    yield {bare}{comment}\n",
        )
        return
    push_context(case, src, st, rest_end(st), name, method)


def _own_app(
    case: Case,
    src: Source,
    st: Stmt,
    fixtures: dict,
    app_fx: Optional[str],
    method: str,
    scope: Optional[str],
) -> None:
    """A session- or module-scoped fixture cannot use the function-scoped app: it makes its own."""
    call = None
    if app_fx is not None:
        fsrc, ffn = fixtures[app_fx]
        if fsrc.path == src.path:
            for s in _all(ffn.body):
                for _, v in assigned_names(s):
                    if case.apps.is_app_expr(fsrc, v):
                        call = code_of(v)
    if call is None:
        fac = _test_factory(case, src)
        case.edit(src).need(fac.module, fac.name)
        call = _configured_call(case, fac)
    fn = st.function
    assert fn is not None
    name = "app" if "app" not in param_names(fn) else "test_app"
    ed = case.edit(src)
    why = (
        "a unittest test gets no pytest fixtures"
        if _in_testcase(st)
        else f"a {scope}-scoped fixture cannot use `{app_fx or 'app'}`"
    )
    ed.insert(st, f"{name} = {call}  # its own app: {why}\n")
    push_context(case, src, st, rest_end(st), name, method)


def _test_factory(case: Case, src: Source) -> Factory:
    """The project's factory, as the test module's imports point to it."""
    seen: dict[tuple[str, str], Factory] = {}
    for local, (mod, _name, level) in imports_of(src.module).items():
        if level < 0:
            continue
        f = case.apps.is_factory_name(src, local)
        if f is not None:
            seen[(f.module, f.name)] = f
            continue
        top = mod.split(".")[0]
        path = case.project.module_file(top, near=src.path)
        if path is not None and top not in ("flask", "pytest"):
            for fname, node in case.apps._apps_in(path)[1]:
                f = case.apps._factory(top, fname, path, node)
                seen[(top, fname)] = f
    if not seen:
        for f in case.apps.project_factories():
            seen[(f.module, f.name)] = f
    if len(seen) != 1:
        what = ", ".join(f"{m}.{n}()" for m, n in sorted(seen)) or "none found"
        raise PatchError(f"{src.rel}: cannot tell which app factory the tests should use ({what})")
    return next(iter(seen.values()))


def _uses_sqlalchemy(case: Case, fac: Factory) -> bool:
    folder = fac.path.parent
    for path in [fac.path, *sorted(folder.glob("*.py"))]:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "flask_sqlalchemy"
            ):
                return True
            if isinstance(node, ast.Import) and any(
                a.name.startswith("flask_sqlalchemy") for a in node.names
            ):
                return True
    return False


def _configured_call(case: Case, fac: Factory) -> str:
    if not fac.takes_config:
        raise PatchError(
            f"{fac.name}() takes no config, so a test fixture could only change the config after "
            "extensions have read it; give it a test_config parameter first"
        )
    cfg = '{"TESTING": True'
    if _uses_sqlalchemy(case, fac):
        cfg += ', "SQLALCHEMY_DATABASE_URI": "sqlite://"'  # never the real database
    return f"{fac.name}({cfg}}})"


def _new_fixture(
    case: Case, src: Source, st: Stmt, fn: cst.FunctionDef, method: str, place: Place
) -> None:
    fac = _test_factory(case, src)
    call = _configured_call(case, fac)
    if case.quart:  # its contexts are pushed with `async with`, in the test
        fixture = f"\n\n@pytest.fixture\ndef app():\n    return {call}\n"
    else:
        fixture = (
            "\n\n@pytest.fixture\n"
            "def app():\n"
            f"    app = {call}\n"
            "    with app.app_context():\n"
            "        yield app\n"
        )
    conf = src.path.parent / "conftest.py"
    existing = case.project.source(conf) if conf.is_file() else None
    if conf in case.fixtures_added:
        pass  # an earlier error's patch adds the fixture already
    elif existing is not None:
        ed = case.edit(existing)
        ed.need_module("pytest")
        ed.need(fac.module, fac.name)
        last = existing.stmt_of(existing.module.body[-1])
        ed.insert(last, fixture.lstrip("\n"), after=True)
    elif conf.exists():
        raise PatchError(f"{conf.name} beside {src.rel} cannot be read")
    else:
        case.new_files[conf] = f"import pytest\n\nfrom {fac.module} import {fac.name}\n{fixture}"
    case.fixtures_added.add(conf)
    _add_param(case, src, fn, "app")
    if method != "app_context" or case.quart:
        push_context(case, src, st, rest_end(st), "app", method)
