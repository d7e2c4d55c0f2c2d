"""Which Flask app a statement can use: the user's own object or factory, found by reading code.

In order: a name bound in the function (or a function around it), a factory call whose result
is thrown away, a module-level app or one imported from the project, an app another project
module defines next to names this file imports from it, and last a factory to call.
Two different apps at the same level make the choice unknowable: :class:`PatchError`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import libcst as cst

from ctxfix.patch.source import (
    APP_CLASSES,
    FACTORY_NAMES,
    PatchError,
    Project,
    Source,
    Stmt,
    assigned_names,
    ast_makes_app,
    callee,
    imports_of,
    required_params,
)

_APP_PARAMS = ("app", "flask_app", "application")


@dataclass
class AppRef:
    """How the code at a statement gets the app."""

    name: str
    """The expression to use there, e.g. ``app``."""
    bind: Optional[Stmt] = None
    """A bare factory call to turn into ``name = ...``."""
    import_from: Optional[str] = None
    """Add ``name`` to the file's imports from this module."""
    factory: Optional[str] = None
    """Call this (already importable) factory: ``name = factory()``."""
    factory_import: Optional[tuple[str, str]] = None
    """(module, name) to import the factory from, when the file does not have it yet."""


@dataclass
class Factory:
    module: str
    name: str
    path: Path
    required: int
    takes_config: bool


class AppFinder:
    """Looks up apps and factories for the files of one project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._module_apps: dict[Path, tuple[list[str], list[tuple[str, ast.FunctionDef]]]] = {}
        self._flask_apps: dict[Path, list[str]] = {}

    # -- other modules, read with ast -------------------------------------------------------

    def _apps_in(self, path: Path) -> tuple[list[str], list[tuple[str, ast.FunctionDef]]]:
        if path not in self._module_apps:
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            apps, factories = ast_makes_app(tree)
            # `app = create_app()` at the top of a module is an app too.
            fnames = {f for f, _ in factories} | set(FACTORY_NAMES)
            made = [
                t.id
                for st in tree.body
                if isinstance(st, ast.Assign)
                and isinstance(st.value, ast.Call)
                and isinstance(st.value.func, ast.Name)
                and st.value.func.id in fnames
                for t in st.targets
                if isinstance(t, ast.Name)
            ]
            self._module_apps[path] = (apps + made, factories)
            self._flask_apps[path] = apps
        return self._module_apps[path]

    def imported_module(self, src: Source, mod: str, level: int) -> Optional[Path]:
        return self.project.module_file(mod, near=src.path, level=level)

    def is_factory_name(self, src: Source, name: str) -> Optional[Factory]:
        """The factory ``name`` means in ``src`` (a function that builds a Flask app), or None."""
        if src.function_named(name):
            for fname, node in ast_makes_app(ast.parse(src.text))[1]:
                if fname == name:
                    mod = self.project.module_name(src.path) or ""
                    return self._factory(mod, fname, src.path, node)
        imp = imports_of(src.module).get(name)
        if imp and imp[2] >= 0:
            path = self.imported_module(src, imp[0], imp[2])
            if path is not None:
                for fname, node in self._apps_in(path)[1]:
                    if fname == imp[1]:
                        return self._factory(imp[0], fname, path, node)
            if path is None and imp[1] in FACTORY_NAMES:
                return Factory(imp[0], imp[1], Path(), 0, True)
        return None

    def _factory(self, module: str, name: str, path: Path, node: ast.FunctionDef) -> Factory:
        a = node.args
        takes = bool(a.args or a.posonlyargs or a.kwonlyargs or a.kwarg)
        return Factory(module, name, path, required_params(node), takes)

    def project_factories(self) -> list[Factory]:
        """Every module-level factory in the project, outside tests."""
        out = []
        for path in self.project.py_files():
            if "test" in path.name or "tests" in path.parts:
                continue
            _, facts = self._apps_in(path)
            mod = self.project.module_name(path)
            if mod:
                out += [Factory(mod, n, path, required_params(f), True) for n, f in facts]
        return out

    def project_apps(self) -> list[tuple[str, str]]:
        """Every module-level ``app = Flask(...)`` in the project, as (module, name)."""
        out = []
        for path in self.project.py_files():
            if "test" in path.name or "tests" in path.parts:
                continue
            mod = self.project.module_name(path)
            self._apps_in(path)
            apps = self._flask_apps[path]
            if mod:
                out += [(mod, a) for a in dict.fromkeys(apps)]
        return out

    # -- the statement's own file -----------------------------------------------------------

    def is_app_expr(self, src: Source, expr: cst.BaseExpression) -> bool:
        name = callee(expr)
        if name is None:
            return False
        last = name.rsplit(".", 1)[-1]
        if last in APP_CLASSES or name == "current_app._get_current_object":
            return True
        return self.is_factory_name(src, name) is not None or name in FACTORY_NAMES

    def app_bound_to(self, src: Source, name: str, value: cst.BaseExpression) -> Optional[str]:
        """The app expression ``name = value`` gives: ``name`` for an app, ``name.app`` for
        Connexion's FlaskApp (the Flask app inside it, connexion/apps/flask.py 2.x-3.x)."""
        if self.is_app_expr(src, value):
            return name
        made = callee(value) or ""
        if made.rsplit(".", 1)[-1] == "FlaskApp" or made == "connexion.App":
            return f"{name}.app"
        return None

    def find(self, src: Source, st: Stmt, *, allow_factory: bool = True) -> Optional[AppRef]:
        """The app the statement can use, or None; PatchError when there are several."""
        line = src.line_of(st.node)
        # 1. Functions around the statement, innermost first.
        for scope in reversed(st.scopes):
            if not isinstance(scope, cst.FunctionDef):
                continue
            found: dict[str, AppRef] = {}
            for p in scope.params.params:
                if p.name.value in _APP_PARAMS:
                    found[p.name.value] = AppRef(p.name.value)
            for node in _walk_stmts(scope.body):
                if src.line_of(node) >= line:
                    continue
                for name, value in assigned_names(node):
                    app = self.app_bound_to(src, name, value)
                    if app is not None:
                        found.setdefault(name, AppRef(app))
            if found:
                return _one(found, src, scope.name.value)
        # 2. A factory called and its app dropped, earlier in the same block.
        for i in range(st.index - 1, -1, -1):
            prev = st.block.body[i]
            if (
                isinstance(prev, cst.SimpleStatementLine)
                and len(prev.body) == 1
                and isinstance(prev.body[0], cst.Expr)
                and self.is_app_expr(src, prev.body[0].value)
            ):
                return AppRef("app", bind=src.stmt_of(prev))
        # 3. The module: its own app or one it imports.
        found = {}
        imports = imports_of(src.module)
        top = list(src.module.body)
        if st.function is None:  # also what the `if __name__ == "__main__":` block made
            top = [n for n in _walk_stmts(cst.IndentedBlock(body=top)) if src.line_of(n) < line]
        for node in top:
            for name, value in assigned_names(node):
                app = self.app_bound_to(src, name, value)
                if app is not None:
                    found.setdefault(name, AppRef(app))
        for local, (mod, name, level) in imports.items():
            if level < 0 or local in found:
                continue
            path = self.imported_module(src, mod, level)
            if path is not None and name in self._apps_in(path)[0]:
                found[local] = AppRef(local)
            elif path is None and local in _APP_PARAMS:
                found[local] = AppRef(local)
        if found:
            return _one(found, src, "the module")
        # 4. An app defined beside what the file imports from the project.
        offered: dict[str, AppRef] = {}
        for mod, _name, level in imports.values():
            if level < 0:
                continue
            path = self.imported_module(src, mod, level)
            if path is None:
                continue
            for app_name in self._apps_in(path)[0]:
                if not _binds(src.module, app_name):
                    prefix = "." * level + mod if level else mod
                    offered.setdefault(f"{prefix}:{app_name}", AppRef(app_name, import_from=prefix))
        if len({r.name for r in offered.values()}) == 1 and len(offered) == 1:
            return next(iter(offered.values()))
        if len(offered) > 1:
            names = ", ".join(sorted(offered))
            raise PatchError(f"{src.rel}: several apps could be meant ({names})")
        if not allow_factory:
            return None
        # 5. A factory the file imports or defines.
        factories = {}
        for local, (_mod, _name, level) in imports.items():
            if level >= 0:
                f = self.is_factory_name(src, local)
                if f is not None and f.required == 0:
                    factories[local] = f
        for fn, scopes in src.functions():
            if not scopes:
                f = self.is_factory_name(src, fn.name.value)
                if f is not None and f.required == 0:
                    factories[fn.name.value] = f
        if len(factories) == 1:
            (name,) = factories
            return AppRef("app", factory=name)
        if len(factories) > 1:
            raise PatchError(
                f"{src.rel}: several app factories could be meant ({', '.join(sorted(factories))})"
            )
        return None

    def the_project_app(self, src: Source) -> AppRef:
        """The one app of the whole project, to import into ``src`` (for job workers)."""
        facts = [f for f in self.project_factories() if f.required == 0]
        apps = self.project_apps()
        if len(facts) == 1 and not (apps and apps[0][0] != facts[0].module):
            f = facts[0]
            return AppRef("app", factory=f.name, factory_import=(f.module, f.name))
        if not facts and len(apps) == 1:
            mod, name = apps[0]
            return AppRef(name, import_from=mod)
        what = [f"{f.module}.{f.name}()" for f in facts] + [f"{m}.{n}" for m, n in apps]
        if not what:
            raise PatchError(f"{src.rel}: no Flask app or app factory found in this folder")
        raise PatchError(f"several apps could be meant ({', '.join(what)})")


def _binds(module: cst.Module, name: str) -> bool:
    if name in imports_of(module):
        return True
    return any(n == name for st in module.body for n, _ in assigned_names(st))


def _one(found: dict[str, AppRef], src: Source, where: str) -> AppRef:
    if len(found) == 1:
        return next(iter(found.values()))
    if "app" in found and all(k in _APP_PARAMS for k in found):
        return found["app"]
    raise PatchError(f"{src.rel}: several apps in {where} ({', '.join(sorted(found))})")


def _walk_stmts(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    """Statements of a function body, including those in if/with/for/try blocks, not in defs."""
    out: list[cst.BaseStatement] = []
    if not isinstance(block, cst.IndentedBlock):
        return out
    for st in block.body:
        out.append(st)
        if isinstance(st, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(st, cst.BaseCompoundStatement):
            out += _walk_stmts(st.body)
            orelse = getattr(st, "orelse", None)
            while orelse is not None:
                out += _walk_stmts(orelse.body)
                orelse = getattr(orelse, "orelse", None)
            for h in getattr(st, "handlers", ()):
                out += _walk_stmts(h.body)
            fin = getattr(st, "finalbody", None)
            if fin is not None:
                out += _walk_stmts(fin.body)
    return out
