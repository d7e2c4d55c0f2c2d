"""The user's files as the traceback names them: where they are here, and what is in them.

A frame's path is mapped onto this folder (``--project-root`` says where the traceback's project
lived), read, parsed with libcst and checked against the line the traceback printed. Nothing is
imported or run. Names are looked up by reading code: which name holds the Flask app, which
function builds one, where a callable is passed on.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterator, Mapping, Optional, Union

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

Block = Union[cst.Module, cst.IndentedBlock]

_SKIP_DIRS = {
    "site-packages",
    "dist-packages",
    "node_modules",
    "__pycache__",
    "venv",
    ".venv",
    "env",
    ".tox",
    ".nox",
    "build",
    "dist",
}
FACTORY_NAMES = ("create_app", "make_app", "app_factory", "create_application", "build_app")


class PatchError(Exception):
    """Why the right edit cannot be known; said on stderr, one line."""


@dataclass(frozen=True)
class Place:
    """A frame mapped onto this folder."""

    path: Path
    rel: str
    """The path relative to the folder where explain runs, with forward slashes."""
    line: int
    function: str
    code: str
    index: int = -1
    """Where the frame is in the traceback's frames (outermost 0)."""


def map_path(path: str, cwd: Path, project_root: Optional[str]) -> tuple[Optional[Path], str]:
    """Where a traceback's path is here, or None and why not."""
    if path.startswith("<") or not path.endswith(".py"):
        return None, f"{path} is not a file"
    win = "\\" in path and "/" not in path
    pure = PureWindowsPath(path) if win else PurePosixPath(path)
    if project_root:
        root = PureWindowsPath(project_root) if win else PurePosixPath(project_root)
        try:
            rest = pure.relative_to(root) if pure.is_absolute() else pure
        except ValueError:
            local_root = Path(project_root)
            if local_root.is_dir():
                try:
                    rest = PurePosixPath(Path(path).resolve().relative_to(local_root.resolve()))
                except ValueError:
                    return None, f"{path} is outside the project root {project_root}"
            else:
                return None, f"{path} is outside the project root {project_root}"
        local = cwd.joinpath(*rest.parts)
    elif pure.is_absolute():
        local = Path(path)
    else:
        local = cwd / Path(*pure.parts)
    try:
        rel = local.resolve().relative_to(cwd.resolve())
    except ValueError:
        return (
            None,
            f"{path} is outside this folder ({cwd}); "
            "run explain from the project, or give --project-root",
        )
    return local, rel.as_posix()


def is_library(path: Path) -> bool:
    return any(part in _SKIP_DIRS or part.startswith("python") for part in path.parts[:-1])


# ---------------------------------------------------------------------------------------------


@dataclass
class Stmt:
    """A statement, the block that holds it and where it sits there."""

    node: cst.BaseStatement
    block: Block
    index: int
    scopes: list[Union[cst.FunctionDef, cst.ClassDef]]
    """The functions and classes around it, outermost first."""

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        for s in reversed(self.scopes):
            if isinstance(s, cst.FunctionDef):
                return s
        return None


class _Index(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.stmts: list[tuple[int, int, Stmt]] = []
        self.decorators: dict[int, cst.FunctionDef] = {}
        self._blocks: list[Block] = []
        self._scopes: list[Union[cst.FunctionDef, cst.ClassDef]] = []

    def visit_Module(self, node: cst.Module) -> None:
        self._add_block(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._add_block(node)

    def _add_block(self, block: Block) -> None:
        for i, st in enumerate(block.body):
            pos = self.get_metadata(PositionProvider, st)
            self.stmts.append(
                (pos.start.line, pos.end.line, Stmt(st, block, i, list(self._scopes)))
            )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for d in node.decorators:
            pos = self.get_metadata(PositionProvider, d)
            for ln in range(pos.start.line, pos.end.line + 1):
                self.decorators[ln] = node
        self._scopes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()


@dataclass
class Source:
    """One of the user's files, parsed."""

    path: Path
    rel: str
    text: str
    module: cst.Module = field(init=False)
    _index: _Index = field(init=False)
    _parents: dict = field(init=False)

    def __post_init__(self) -> None:
        try:
            wrapper = MetadataWrapper(cst.parse_module(self.text))
        except cst.ParserSyntaxError as exc:
            raise PatchError(f"{self.rel} cannot be parsed: {str(exc).splitlines()[0]}") from None
        self.module = wrapper.module
        self._index = _Index()
        wrapper.visit(self._index)
        self._parents = wrapper.resolve(ParentNodeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self._wrapper = wrapper
        self._scopes: Optional[Mapping[cst.CSTNode, Optional[Scope]]] = None

    @classmethod
    def read(cls, path: Path, rel: str) -> Source:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PatchError(
                f"{rel} cannot be read: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        return cls(path, rel, text)

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def check_line(self, line: int, code: str) -> None:
        """The file still holds what the traceback printed at that line."""
        if code and " ".join(self.line_text(line).split()) != " ".join(code.split()):
            raise PatchError(
                f"{self.rel}:{line} no longer matches the traceback "
                f"(it printed `{code.strip()[:60]}`); run the program again for a fresh one"
            )

    def stmt_at(self, line: int) -> Stmt:
        """The innermost statement that holds the line (a decorator's line: its function)."""
        if line in self._index.decorators:
            fn = self._index.decorators[line]
            for _, _, st in self._index.stmts:
                if st.node is fn:
                    return st
        best: Optional[tuple[int, Stmt]] = None
        for start, end, st in self._index.stmts:
            if start <= line <= end and (best is None or end - start <= best[0]):
                best = (end - start, st)
        if best is None:
            raise PatchError(f"{self.rel}:{line} holds no statement")
        return best[1]

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def calls_on(self, node: cst.CSTNode, line: int) -> list[cst.Call]:
        """The calls in ``node`` whose code spans ``line``, outermost first."""
        spans = [(c, self.positions[c]) for c in calls_in(node)]
        return [c for c, pos in spans if pos.start.line <= line <= pos.end.line]

    def scope_of(self, node: cst.CSTNode) -> Optional[Scope]:
        """The variable scope (libcst's scope analysis) a node is in."""
        if self._scopes is None:
            self._scopes = self._wrapper.resolve(ScopeProvider)
        return self._scopes.get(node)

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self._parents.get(node)

    def functions(self) -> Iterator[tuple[cst.FunctionDef, list]]:
        for _, _, st in self._index.stmts:
            if isinstance(st.node, cst.FunctionDef):
                yield st.node, st.scopes

    def stmts_in(self, fn: cst.FunctionDef) -> list[Stmt]:
        """The statements ``fn`` runs itself (in its nested blocks too, not in nested functions),
        in source order."""
        return [
            st for _, _, st in sorted(self._index.stmts, key=lambda t: t[0]) if st.function is fn
        ]

    def function_named(self, name: str) -> list[cst.FunctionDef]:
        return [fn for fn, _ in self.functions() if fn.name.value == name]

    def stmt_of(self, node: cst.BaseStatement) -> Stmt:
        for _, _, st in self._index.stmts:
            if st.node is node:
                return st
        raise PatchError(f"{self.rel}: a statement was lost while reading")

    def enclosing_stmts(self, st: Stmt) -> list[Stmt]:
        """The statement and every compound statement around it, innermost first."""
        out = [st]
        node: Optional[cst.CSTNode] = st.node
        while node is not None:
            node = self.parent(node)
            if isinstance(node, cst.BaseCompoundStatement):
                out.append(self.stmt_of(node))
        return out


# ---------------------------------------------------------------------------------------------
# Reading names


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def dotted(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        left = dotted(node.value)
        return f"{left}.{node.attr.value}" if left else None
    return None


def callee(node: cst.CSTNode) -> Optional[str]:
    """`a.b` for a call `a.b(...)`, else None."""
    return dotted(node.func) if isinstance(node, cst.Call) else None


def assigned_names(st: cst.CSTNode) -> list[tuple[str, cst.BaseExpression]]:
    """``name = value`` bindings a simple statement makes."""
    out: list[tuple[str, cst.BaseExpression]] = []
    if not isinstance(st, cst.SimpleStatementLine):
        return out
    for small in st.body:
        if isinstance(small, cst.Assign):
            for t in small.targets:
                if isinstance(t.target, cst.Name):
                    out.append((t.target.value, small.value))
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            if isinstance(small.target, cst.Name):
                out.append((small.target.value, small.value))
    return out


def imports_of(module: cst.Module) -> dict[str, tuple[str, str, int]]:
    """Top-level `from M import x as y`: y -> (M, x, level)."""
    out: dict[str, tuple[str, str, int]] = {}
    for st in module.body:
        if not isinstance(st, cst.SimpleStatementLine):
            continue
        for small in st.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                mod = dotted(small.module) if small.module is not None else ""
                level = len(small.relative)
                for alias in small.names:
                    name = dotted(alias.name) or ""
                    local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
                    out[local] = (mod or "", name, level)
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name) or ""
                    local = alias.asname.name.value if alias.asname else name.split(".")[0]  # type: ignore[union-attr]
                    out[local] = (name if alias.asname else name.split(".")[0], "", -1)
    return out


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call in ``node``, in source order (an outer call before the calls in it)."""
    found: list[cst.Call] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            found.append(n)

    node.visit(V())
    return found


def names_in(node: cst.CSTNode, name: str) -> list[cst.Name]:
    """Every ``Name`` spelled ``name`` in ``node`` (an attribute's too), in source order."""
    found: list[cst.Name] = []

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            if n.value == name:
                found.append(n)

    node.visit(V())
    return found


def uses_name(node: cst.CSTNode, name: str) -> bool:
    return bool(names_in(node, name))


def params_of(fn: cst.FunctionDef) -> list[cst.Param]:
    p = fn.params
    out = [*p.posonly_params, *p.params, *p.kwonly_params]
    if isinstance(p.star_arg, cst.Param):
        out.append(p.star_arg)
    if p.star_kwarg is not None:
        out.append(p.star_kwarg)
    return out


def param_names(fn: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in params_of(fn)]


def is_generator(fn: cst.FunctionDef) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
            return n is fn

        def visit_Lambda(self, n: cst.Lambda) -> bool:
            return False

        def visit_Yield(self, n: cst.Yield) -> None:
            nonlocal found
            found = True

    fn.visit(V())
    return found


# ---------------------------------------------------------------------------------------------
# The project: modules by name, and which of them make a Flask app


@dataclass
class Project:
    """The folder explain runs in, read on demand."""

    root: Path
    _cache: dict[Path, Optional[Source]] = field(default_factory=dict)

    def source(self, path: Path) -> Optional[Source]:
        path = path.resolve()
        if path not in self._cache:
            try:
                rel = path.relative_to(self.root.resolve()).as_posix()
            except ValueError:
                rel = str(path)
            try:
                self._cache[path] = Source.read(path, rel) if path.is_file() else None
            except PatchError:
                self._cache[path] = None
        return self._cache[path]

    def module_file(self, name: str, near: Optional[Path] = None, level: int = 0) -> Optional[Path]:
        """The file of a module of the project, by its dotted name (relative to ``near``)."""
        parts = [p for p in name.split(".") if p]
        bases: list[Path] = []
        if level and near is not None:
            base = near.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            if near is not None:
                bases.append(near.parent)
            bases += [self.root, self.root / "src"]
        for base in bases:
            cand = base.joinpath(*parts) if parts else base
            for f in (cand.with_suffix(".py") if parts else None, cand / "__init__.py"):
                if f is not None and f.is_file():
                    return f
        return None

    def module_name(self, path: Path) -> Optional[str]:
        """The dotted name the file is imported by, from the folder explain runs in."""
        try:
            rel = path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return None
        parts = list(rel.parts)
        if parts and parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        parts[-1] = parts[-1][:-3]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None

    def local_tops(self, near: Path) -> frozenset[str]:
        """Names of the project's own top-level modules, as seen from a file."""
        out = set()
        for folder in {self.root, self.root / "src", near.parent}:
            if folder.is_dir():
                for e in folder.iterdir():
                    if e.suffix == ".py":
                        out.add(e.stem)
                    elif (e / "__init__.py").is_file():
                        out.add(e.name)
        return frozenset(out)

    def py_files(self, limit: int = 3000) -> Iterator[Path]:
        n = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(
                d for d in dirnames if d not in _SKIP_DIRS and not d.startswith((".", "_"))
            )
            for f in sorted(filenames):
                if f.endswith(".py"):
                    n += 1
                    if n > limit:
                        return
                    yield Path(dirpath) / f


APP_CLASSES = ("Flask", "Quart")
"""Classes whose instances push the contexts the edits push (Quart's with ``async with``)."""


def ast_makes_app(tree: ast.Module) -> tuple[list[str], list[tuple[str, ast.FunctionDef]]]:
    """Module-level names bound to ``Flask(...)`` (or ``Quart(...)``), and functions that build
    and return one."""
    apps: list[str] = []
    factories: list[tuple[str, ast.FunctionDef]] = []
    for st in tree.body:
        if isinstance(st, ast.Assign) and _ast_is_flask_call(st.value):
            apps += [t.id for t in st.targets if isinstance(t, ast.Name)]
        elif isinstance(st, ast.FunctionDef):
            if any(_ast_is_flask_call(n) for n in ast.walk(st)) and any(
                isinstance(n, ast.Return) and n.value is not None for n in ast.walk(st)
            ):
                factories.append((st.name, st))
    return apps, factories


def _ast_is_flask_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in APP_CLASSES) or (
        isinstance(f, ast.Attribute) and f.attr in APP_CLASSES
    )


def required_params(fn: ast.FunctionDef) -> int:
    a = fn.args
    return len(a.posonlyargs) + len(a.args) - len(a.defaults)
