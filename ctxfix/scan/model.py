"""The semantic model of one module, built by one walk over its syntax tree.

Names are resolved to qualified names the way Python binds them: an import binds the imported
name (``from flask import current_app as ca`` makes ``ca`` mean ``flask.current_app``), a
module-level definition is ``<module>.<name>``, a function's own names shadow the module's, and
the first parameter of a method is the instance of its class. A use is kept as a *reference*:
the qualified root, the attributes read off it (``()`` marks a call in the middle of a chain),
how the value is used (stored or passed, read, called, tested for truth), and the context level
the code runs at (inside ``with app.app_context():``, after ``ctx.push()``, under a guard).

Nothing here knows what a name means; :mod:`ctxfix.scan.project` resolves the references across
the project's modules and :mod:`ctxfix.scan.catalog` says which need a context. The model only
keeps calls' arguments for calls whose last name a rule may care about (``catalog.CALL_WORDS``).
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple, Optional

from . import catalog

# How a reference's value is used.
REF, READ, CALL, BOOL = 0, 1, 2, 3
# Context levels at a site: none, an app context, a request context. GUARDED code checked for a
# context first (`if has_app_context():`, `except RuntimeError`) and counts as fully covered.
NONE, APP, REQUEST = catalog.NONE, catalog.APP, catalog.REQUEST
GUARDED = REQUEST

CALLED, CALLED_WITH_ARGS = "()", "(*)"


class Ref(NamedTuple):
    """A use of a name: ``root`` qualified, then ``attrs``; ``text`` is the name as written."""

    root: str
    attrs: tuple[str, ...]
    mode: int
    line: int
    col: int
    level: int
    text: str
    skip: int  # how many of ``attrs`` come from what ``text`` stands for, not from the source
    # Parameters that must be true ("p") or false ("!p") for this code to run (`if notify:
    # flash(...)`, `path or current_app.config[...]`), and, for a call, the arguments it passes a
    # false constant for and those it passes anything else for (positions and keywords).
    conds: tuple = ()
    falsy: tuple = ()
    given: tuple = ()


# What an argument, a decorator or an assigned value is, as far as the rules need to know:
#   ("chain", root, attrs)                 a name or an attribute chain
#   ("call", func, args, kwargs)           a call: func is a target, kwargs a tuple of pairs
#   ("fn", qualname)                       a lambda
#   ("const", value)                       a literal string, number or None
#   None                                   anything else
Target = Optional[tuple]


class Site(NamedTuple):
    """A call kept with its arguments; ``kwargs`` names ``**mapping`` as ``"**"``."""

    func: Target
    args: tuple
    kwargs: tuple
    line: int
    col: int
    level: int


class Function:
    """A function, method, lambda, or the top level of a module (``<module>``, ``<main>``)."""

    __slots__ = (
        "qualname",
        "name",
        "module",
        "line",
        "col",
        "cls",
        "decorators",
        "refs",
        "sites",
        "returns",
        "imports",
        "attr_assigns",
        "inits",
        "generator",
        "pushes",
        "params",
        "is_lambda",
        "is_async",
    )

    def __init__(self, qualname: str, name: str, module: str, line: int, col: int) -> None:
        self.qualname = qualname
        self.name = name
        self.module = module
        self.line = line
        self.col = col
        self.cls: Optional[str] = None
        self.decorators: list[Target] = []
        self.refs: list[Ref] = []
        self.sites: list[Site] = []
        self.returns: list[tuple[Target, int, int]] = []
        self.imports: list[tuple[str, int, int]] = []
        self.attr_assigns: list[tuple[str, tuple[str, ...], Target, int]] = []
        # Project classes made with arguments that name something: (class target, args, kwargs),
        # to tell what `self.repo = repo` in their `__init__` holds (constructor injection).
        self.inits: list[tuple[Target, tuple, tuple]] = []
        self.generator = False
        self.pushes = 0  # the highest context level it pushes anywhere
        self.params: tuple[str, ...] = ()
        self.is_lambda = False
        self.is_async = False  # an `async def`: a coroutine, run by an event loop

    def __repr__(self) -> str:
        return f"<Function {self.qualname}>"

    def freeze(self) -> None:
        """Turn the lists the walk filled into tuples: an empty tuple is shared, and most of a
        big project's functions have no sites, returns, imports or decorators (a third of the
        memory of 10,000 modules went to empty lists)."""
        self.decorators = tuple(self.decorators)  # type: ignore[assignment]
        self.refs = tuple(self.refs)  # type: ignore[assignment]
        self.sites = tuple(self.sites)  # type: ignore[assignment]
        self.returns = tuple(self.returns)  # type: ignore[assignment]
        self.imports = tuple(self.imports)  # type: ignore[assignment]
        self.attr_assigns = tuple(self.attr_assigns)  # type: ignore[assignment]
        self.inits = tuple(self.inits)  # type: ignore[assignment]

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, s) for s in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for s, v in zip(self.__slots__, state):
            setattr(self, s, v)


class Klass(NamedTuple):
    qualname: str
    name: str
    bases: tuple
    methods: dict
    line: int


class Module:
    """One file's model: its bindings, functions, classes and top level."""

    __slots__ = (
        "name",
        "path",
        "bindings",
        "functions",
        "classes",
        "top",
        "main",
        "alembic",
        "server_name",
        "ignores",
        "wide_lines",
        "dynamic",
    )

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        # name -> ("import", qualname) | ("def", qualname) | ("class", qualname) | ("value", T)
        self.bindings: dict[str, tuple] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Klass] = {}
        self.top = Function(f"{name}.<module>", "<module>", name, 1, 0)
        self.main: Optional[Function] = None
        self.alembic = False
        self.server_name = False
        self.ignores: dict[int, Optional[frozenset[str]]] = {}
        self.wide_lines: dict[int, str] = {}
        self.dynamic = False  # imports modules by name (plugins): importlib, pkgutil

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, s) for s in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for s, v in zip(self.__slots__, state):
            setattr(self, s, v)

    def char_col(self, line: int, col: int) -> int:
        """``ast`` counts columns in UTF-8 bytes; people and SARIF count characters."""
        text = self.wide_lines.get(line)
        if text is None:
            return col
        return len(text.encode("utf-8")[:col].decode("utf-8", "replace"))


_SERVER_NAME = "SERVER_NAME"


def _configures_server_name(tree: ast.Module) -> bool:
    """The module sets or reads the ``SERVER_NAME`` setting: as a config key
    (``app.config["SERVER_NAME"] = ...``, ``.get("SERVER_NAME")``, ``{"SERVER_NAME": ...}``), a
    keyword (``config.update(SERVER_NAME=...)``) or a name (``SERVER_NAME = ...`` in a config
    class). A docstring, a message or a comparison (``"SERVER_NAME" in error``) that names it
    configures nothing."""
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Subscript:
            key = node.slice
            if type(key) is ast.Constant and key.value == _SERVER_NAME:
                return True
        elif kind is ast.Call:
            if any(type(a) is ast.Constant and a.value == _SERVER_NAME for a in node.args[:1]):
                return True
            if any(k.arg == _SERVER_NAME for k in node.keywords):
                return True
        elif kind is ast.Dict:
            if any(type(k) is ast.Constant and k.value == _SERVER_NAME for k in node.keys):
                return True
        elif (kind is ast.Name and node.id == _SERVER_NAME) or (
            kind is ast.Attribute and node.attr == _SERVER_NAME
        ):
            return True
    return False


_IGNORE = re.compile(r"#\s*ctxfix:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


def _ignores(source: str) -> dict[int, Optional[frozenset[str]]]:
    out: dict[int, Optional[frozenset[str]]] = {}
    if "ctxfix:" not in source:
        return out
    for i, text in enumerate(source.splitlines(), 1):
        if "ctxfix:" in text:
            m = _IGNORE.search(text)
            if m:
                codes = m.group(1)
                out[i] = (
                    None
                    if codes is None
                    else frozenset(c.strip().upper() for c in codes.split(",") if c.strip())
                )
    return out


# ---------------------------------------------------------------------------------------------
# Scopes


class _Scope:
    """The names a function binds. ``typed`` holds what a local is known to be (a chain)."""

    __slots__ = ("fn", "names", "typed", "parent", "cls", "globals")

    def __init__(
        self, fn: Function, names: set[str], parent: Optional[_Scope], cls: Optional[str] = None
    ) -> None:
        self.fn = fn
        self.names = names
        self.typed: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.parent = parent
        self.cls = cls
        self.globals: set[str] = set()


def _bind_names(target: ast.AST, out: set[str]) -> None:
    kind = type(target)
    if kind is ast.Name:
        out.add(target.id)
    elif kind is ast.Tuple or kind is ast.List:
        for elt in target.elts:
            _bind_names(elt, out)
    elif kind is ast.Starred:
        _bind_names(target.value, out)


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


# ---------------------------------------------------------------------------------------------
# The walk


def _is_main_guard(test: ast.expr) -> bool:
    if isinstance(test, ast.Compare) and len(test.comparators) == 1:
        sides = [test.left, test.comparators[0]]
        names = [s.id for s in sides if isinstance(s, ast.Name)]
        consts = [s.value for s in sides if isinstance(s, ast.Constant)]
        return names == ["__name__"] and consts == ["__main__"]
    return False


def _terminal(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


class _Builder:
    """Builds a :class:`Module` from a parsed tree: a handler per statement and expression type."""

    def __init__(
        self, tree: ast.Module, name: str, path: str, package: str, tops: frozenset[str]
    ) -> None:
        self.mod = Module(name, path)
        self.tops = tops
        self.top = name.split(".")[0]
        self.name = name
        self.package = package
        self.tree = tree
        self.pending: list[tuple[Function, list, Optional[ast.arguments], _Scope, Optional[str]]]
        self.pending = []
        self.scope: _Scope = _Scope(self.mod.top, set(), None)
        self.fn: Function = self.mod.top
        self.level = NONE
        self.conds: tuple[str, ...] = ()
        self._class_stack: list[str] = []
        self._quals: dict[str, tuple[str, tuple[str, ...]]] = {}

    # -- driver ------------------------------------------------------------------------------

    def build(self) -> Module:
        mod = self.mod
        self._collect_bindings(self.tree.body)
        body: list[ast.stmt] = []
        main: list[ast.stmt] = []
        for stmt in self.tree.body:
            if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
                main.extend(stmt.body)
                body.extend(stmt.orelse)
            elif self._runs_script(stmt):
                main.append(stmt)
            else:
                body.append(stmt)
        self._block(body)
        if main:
            mod.main = Function(f"{self.name}.<main>", "<main>", self.name, main[0].lineno, 0)
            self.fn = mod.main
            self.level = NONE
            self._block(main)
        while self.pending:
            fn, fbody, args, scope, cls = self.pending.pop()
            self._function_body(fn, fbody, args, scope, cls)
        for fn in (mod.top, *([mod.main] if mod.main else []), *mod.functions.values()):
            fn.freeze()
        return mod

    def _runs_script(self, stmt: ast.stmt) -> bool:
        """``asyncio.run(main())`` at the top of a module: the script's entry point, like a
        ``__main__`` block."""
        kind = type(stmt)
        if kind is not ast.Expr and kind is not ast.Assign:
            return False
        value = stmt.value
        if type(value) is not ast.Call:
            return False
        chain = self._chain_of(value.func)
        return chain is not None and _qual(chain) in catalog.SCRIPT_RUNNERS

    def _collect_bindings(self, body: list[ast.stmt]) -> None:
        """Module-level names first, so that functions see names defined after them."""
        bindings = self.mod.bindings
        stack = list(body)
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                bindings[node.name] = ("def", self._qual(node.name)[0])
            elif kind is ast.ClassDef:
                bindings[node.name] = ("class", self._qual(node.name)[0])
            elif kind is ast.Import or kind is ast.ImportFrom:
                self._bind_import(node, bindings)
            else:
                for block in _BLOCKS:
                    sub = getattr(node, block, None)
                    if sub:
                        stack.extend(sub)

    def _bind_import(self, node: ast.AST, table: dict) -> list[str]:
        """Bind an import's names; return the modules it imports."""
        modules: list[str] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules.append(alias.name)
                kept = self._kept(alias.name)
                if alias.asname:
                    table[alias.asname] = ("import", alias.name) if kept else _SKIPPED
                else:
                    top = alias.name.split(".")[0]
                    table[top] = ("import", top) if kept else _SKIPPED
            return modules
        base = self._absolute(node.module, node.level)
        if base is None:
            return modules
        kept = node.level > 0 or self._kept(base)
        modules.append(base)
        for alias in node.names:
            if alias.name == "*":
                continue
            qual = f"{base}.{alias.name}" if base else alias.name
            table[alias.asname or alias.name] = ("import", qual) if kept else _SKIPPED
            modules.append(qual)
        return modules

    def _kept(self, qual: str) -> bool:
        """Imports of the project and of the libraries the catalog names are kept."""
        top = qual.split(".", 1)[0]
        return top in catalog.TOPS or self._project_top(top)

    def _project_top(self, top: str) -> bool:
        return top in self.tops or top == self.top

    def _absolute(self, module: Optional[str], level: int) -> Optional[str]:
        if not level:
            return module or ""
        parts = self.package.split(".") if self.package else []
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base.append(module)
        return ".".join(base)

    # -- scopes ------------------------------------------------------------------------------

    def _resolve(self, name: str) -> Optional[tuple[str, tuple[str, ...]]]:
        scope: Optional[_Scope] = self.scope
        while scope is not None:
            if scope.parent is None:
                break
            if name in scope.names:
                return scope.typed.get(name)
            if name in scope.globals:
                break
            scope = scope.parent
        binding = self.mod.bindings.get(name)
        if binding is None:
            if self.fn is self.mod.top or self.fn is self.mod.main:
                typed = self.scope.typed.get(name)
                if typed is not None:
                    return typed
            return None
        kind = binding[0]
        if kind == "import":
            return binding[1], ()
        if kind == "value":
            value = binding[1]
            if value is None or value[0] == "const":
                return None
        elif kind == "skip":
            return None
        return self._qual(name)

    def _qual(self, name: str) -> tuple[str, tuple[str, ...]]:
        """The chain of a module-level name. One string object per name: the model (and its
        pickle, sent back by worker processes) holds each qualified name once."""
        qual = self._quals.get(name)
        if qual is None:
            qual = self._quals[name] = (f"{self.name}.{name}", ())
        return qual

    def _bind_local(self, name: str, value: Optional[tuple[str, tuple[str, ...]]]) -> None:
        scope = self.scope
        if scope.parent is None:
            # Module level: the binding table says what the name is for other modules.
            if value is not None:
                scope.typed[name] = value
            return
        if name in scope.globals:
            return
        scope.names.add(name)
        if value is None:
            scope.typed.pop(name, None)
        else:
            scope.typed[name] = value

    # -- functions ---------------------------------------------------------------------------

    def _new_function(self, node: ast.AST, name: str, qualname: str) -> Function:
        fn = Function(qualname, name, self.name, node.lineno, node.col_offset)
        self.mod.functions[qualname] = fn
        return fn

    def _def(self, node: ast.FunctionDef) -> None:
        cls = self._class_stack[-1] if self._class_stack else None
        if cls is not None:
            qual = f"{cls}.{node.name}"
        elif self.scope.parent is None:
            qual = self._qual(node.name)[0]
        else:
            qual = f"{self.fn.qualname}.{node.name}"
            self._bind_local(node.name, (qual, ()))
        fn = self._new_function(node, node.name, qual)
        fn.cls = cls
        fn.is_async = type(node) is ast.AsyncFunctionDef
        for d in node.decorator_list:
            self.visit(d, CALL)
            fn.decorators.append(self._target(d))
        args = node.args
        for d in (*args.defaults, *args.kw_defaults):
            if d is not None:
                self.visit(d, REF)
        self.pending.append((fn, node.body, args, self.scope, cls))

    def _function_body(
        self,
        fn: Function,
        body: list,
        args: Optional[ast.arguments],
        parent: _Scope,
        cls: Optional[str],
    ) -> None:
        # Names are local from their first binding on (flow-sensitive, which also tells what a
        # local holds at each use); the parameters from the start.
        names: set[str] = set()
        if args is not None:
            fn.params = tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
            names.update(fn.params)
            if args.vararg is not None:
                names.add(args.vararg.arg)
            if args.kwarg is not None:
                names.add(args.kwarg.arg)
        scope = _Scope(fn, names, parent, None)
        positional = (*args.posonlyargs, *args.args) if args is not None else ()
        if cls is not None and positional and not fn.is_lambda:
            decos = {d[1] if d and d[0] == "chain" and not d[2] else None for d in fn.decorators}
            if not decos & {"staticmethod"}:
                first = positional[0].arg
                if decos & {"classmethod"}:
                    scope.typed[first] = (cls, ())
                else:
                    scope.typed[first] = (f"self:{cls}", ())
        saved = self.scope, self.fn, self.level, self._class_stack, self.conds
        self.scope, self.fn, self.level, self._class_stack, self.conds = scope, fn, NONE, [], ()
        if isinstance(body, list):
            self._block(body)
        else:
            self.visit(body, REF)
        self.scope, self.fn, self.level, self._class_stack, self.conds = saved

    def _class(self, node: ast.ClassDef) -> None:
        outer = self._class_stack[-1] if self._class_stack else None
        if outer is not None:
            qual = f"{outer}.{node.name}"
        elif self.fn is self.mod.top or self.fn is self.mod.main:
            qual = self._qual(node.name)[0]
        else:
            qual = f"{self.fn.qualname}.{node.name}"
        for d in node.decorator_list:
            self.visit(d, CALL)
        bases = []
        for b in node.bases:
            self.visit(b, REF)
            bases.append(self._target(b))
        for k in node.keywords:
            self.visit(k.value, REF)
        methods: dict[str, str] = {}
        klass = Klass(qual, node.name, tuple(bases), methods, node.lineno)
        self.mod.classes[qual] = klass
        if self.scope.parent is not None:
            self._bind_local(node.name, (qual, ()))
        self._class_stack = [*self._class_stack, qual]
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods[stmt.name] = f"{qual}.{stmt.name}"
            self.statement(stmt)
        self._class_stack = self._class_stack[:-1]

    # -- statements --------------------------------------------------------------------------

    def _block(self, body: list[ast.stmt]) -> None:
        saved = self.level
        for stmt in body:
            self.statement(stmt)
        self.level = saved

    def statement(self, stmt: ast.stmt) -> None:
        handler = _STMT.get(type(stmt))
        if handler is not None:
            handler(self, stmt)
        else:
            self._generic_stmt(stmt)

    def _generic_stmt(self, stmt: ast.AST) -> None:
        for field in stmt._fields:
            value = getattr(stmt, field, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._block(value)
                    continue
                for item in value:
                    if isinstance(item, ast.expr):
                        self.visit(item, READ)
                    elif isinstance(item, ast.AST):
                        self._generic_stmt(item)
            elif isinstance(value, ast.expr):
                self.visit(value, READ)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                self._generic_stmt(value)

    def _chain_of(self, node: ast.expr) -> Optional[tuple[str, tuple[str, ...]]]:
        """The qualified chain an expression names, ``()`` marking calls; None if unknown."""
        attrs: list[str] = []
        while True:
            kind = type(node)
            if kind is ast.Attribute:
                attrs.append(node.attr)
                node = node.value
            elif kind is ast.Call:
                attrs.append(CALLED_WITH_ARGS if (node.args or node.keywords) else CALLED)
                node = node.func
            elif kind is ast.Name:
                got = self._resolve(node.id)
                if got is None:
                    return None
                root, base = got
                attrs.reverse()
                return root, base + tuple(attrs)
            else:
                return None

    def _assign(self, node: ast.Assign) -> None:
        value = node.value
        chain = self._value(value)
        for t in node.targets:
            self._store(t, value, chain)

    def _value(self, value: ast.expr) -> Optional[tuple[str, tuple[str, ...]]]:
        """Visit an assigned value; the chain it names, if it is a name, attribute or call."""
        kind = type(value)
        if kind is ast.Name:
            return self._name(value, REF)
        if kind is ast.Attribute or kind is ast.Call:
            return self._chain(value, REF)
        self.visit(value, REF)
        if kind is ast.BoolOp and type(value.op) is ast.Or:
            # `session or db.session`: what the first known operand names.
            for operand in value.values:
                if type(operand) in (ast.Name, ast.Attribute, ast.Call):
                    chain = self._chain_of(operand)
                    if chain is not None:
                        return chain
        return None

    def _store(self, t: ast.expr, value: Optional[ast.expr], chain) -> None:
        kind = type(t)
        if kind is ast.Name:
            self._bind_local(t.id, chain)
            if self.scope.parent is None and value is not None and self._module_level():
                self.mod.bindings[t.id] = ("value", self._target(value))
        elif kind is ast.Attribute:
            target_chain = self._chain_of(t.value)
            if target_chain is not None:
                root, attrs = target_chain
                self._add_ref(root, (*attrs, t.attr), READ, t, t.value)
                self.fn.attr_assigns.append(
                    (root, (*attrs, t.attr), self._assigned(value), t.lineno)
                )
            else:
                self.visit(t.value, READ)
                if t.attr == "Task":
                    # `celery.Task = ContextTask` on a parameter: an app made aware, unnamed.
                    name = t.value.id if type(t.value) is ast.Name else ""
                    self.fn.attr_assigns.append((f"?{name}", ("Task",), None, t.lineno))
        elif kind is ast.Subscript:
            self.visit(t.value, READ)
            self.visit(t.slice, REF)
        elif kind is ast.Tuple or kind is ast.List:
            for elt in t.elts:
                self._store(elt, None, None)
        elif kind is ast.Starred:
            self._store(t.value, None, None)

    def _assigned(self, value: Optional[ast.expr]) -> Target:
        """What an attribute is set to; a parameter of the function as ``("param", function,
        name)`` when nothing else is known of it (``self.repo = repo`` in ``__init__``)."""
        if value is None:
            return None
        target = self._target(value)
        if target is None and type(value) is ast.Name and value.id in self.fn.params:
            return ("param", self.fn.qualname, value.id)
        return target

    def _module_level(self) -> bool:
        return (self.fn is self.mod.top or self.fn is self.mod.main) and not self._class_stack

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, node.value, self._value(node.value))

    def _aug_assign(self, node: ast.AugAssign) -> None:
        self.visit(node.value, READ)
        self.visit(node.target, READ)

    def _expr_stmt(self, node: ast.Expr) -> None:
        value = node.value
        self.visit(value, REF)
        if type(value) is ast.Await:  # Quart's contexts: `await app.app_context().push()`
            value = value.value
        if type(value) is ast.Call and isinstance(value.func, ast.Attribute):
            attr = value.func.attr
            if attr == "push":
                pushed = self._pusher(value.func.value)
                if not pushed and not value.args and not value.keywords:
                    # `ctx.push()` of a context handed in (a copied request context given to a
                    # greenlet): a bare push is a context's; what it pushes, unknown.
                    pushed = _SUPPRESS
            elif attr == "enter_context" and value.args:  # contextlib.ExitStack
                pushed = self._pusher(value.args[0])
            else:
                return
            if pushed == _SUPPRESS:
                self.level = GUARDED
            elif pushed:
                self.fn.pushes = max(self.fn.pushes, pushed)
                self.level = max(self.level, pushed)

    def _pusher(self, expr: ast.expr) -> int:
        """The level an expression pushes when entered or pushed (``app.app_context()``)."""
        if type(expr) is ast.Call:
            func = expr.func
            tail = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
            level = catalog.PUSHERS.get(tail or "", 0)
            if level:
                return level
            if tail == "suppress" and any(_names_runtime_error(a) for a in expr.args):
                return _SUPPRESS
            return 0
        if type(expr) is ast.Name:
            got = self._resolve(expr.id)
            if got is not None and len(got[1]) >= 2 and got[1][-1] in (CALLED, CALLED_WITH_ARGS):
                return catalog.PUSHERS.get(got[1][-2], 0)
        return 0

    def _return(self, node: ast.Return) -> None:
        value = node.value
        if value is None:
            return
        self.visit(value, REF)
        if type(value) is ast.Tuple and value.elts:
            value = value.elts[0]
        kind = type(value)
        if kind is ast.Call:
            # Enough to know what is called: a generator (streaming) or a maker (make_celery).
            args = (None,) if (value.args or value.keywords) else ()
            target = ("call", self._target(value.func), args, ())
        elif kind is ast.Name or kind is ast.Attribute:
            target = self._target(value)
        else:
            return
        self.fn.returns.append((target, value.lineno, value.col_offset))

    def _guard(self, test: ast.expr) -> int:
        """1 when a test is true only with a context, -1 for its negation, else 0."""
        kind = type(test)
        if kind is ast.UnaryOp and isinstance(test.op, ast.Not):
            return -self._guard(test.operand)
        if kind is ast.BoolOp:
            signs = [self._guard(v) for v in test.values]
            if isinstance(test.op, ast.And) and 1 in signs:
                return 1
            if isinstance(test.op, ast.Or) and signs and all(s == -1 for s in signs):
                return -1
            return 0
        if kind is ast.Call:
            chain = self._chain_of(test.func)
            if chain is not None and _qual(chain) in catalog.GUARDS:
                return 1
            return 0
        if kind is ast.Name or kind is ast.Attribute:
            chain = self._chain_of(test)
            if chain is not None and chain[1] and chain[1][-1] == CALLED:
                # `in_request = has_request_context()` ... `if in_request:`
                if _qual((chain[0], chain[1][:-1])) in catalog.GUARDS:
                    return 1
            if chain is not None and _qual(chain) in catalog.NAMES:
                need = catalog.NAMES[_qual(chain)]
                return 1 if need.how == catalog.PROXY else 0
        if kind is ast.Compare and len(test.ops) == 1:
            # `current_app is None`-style tests say nothing; leave them alone.
            return 0
        return 0

    def _if(self, node: ast.If) -> None:
        test = node.test
        if (type(test) is ast.Name and test.id == "TYPE_CHECKING") or (
            type(test) is ast.Attribute and test.attr == "TYPE_CHECKING"
        ):
            # Imports for type checkers never run: bind their names, record no import.
            imports = len(self.fn.imports)
            self._block(node.body)
            del self.fn.imports[imports:]
            self._block(node.orelse)
            return
        sign = self._guard(node.test)
        self.visit(node.test, BOOL)
        if sign == 1:
            saved = self.level
            self.level = GUARDED
            self._block(node.body)
            self.level = saved
            self._block(node.orelse)
        elif sign == -1:
            self._block(node.body)
            saved = self.level
            self.level = GUARDED
            self._block(node.orelse)
            self.level = saved
            if _terminal(node.body):
                self.level = GUARDED
        else:
            flags = self._flags(node.test)
            self._under(flags, node.body)
            if len(flags) == 1:  # `if not path: ... else: ...`: the else needs the opposite
                self._under((_negate(flags[0]),), node.orelse)
            else:
                self._block(node.orelse)

    def _under(self, flags: tuple[str, ...], body: list[ast.stmt]) -> None:
        if not flags:
            self._block(body)
            return
        saved = self.conds
        self.conds = saved + flags
        self._block(body)
        self.conds = saved

    def _flags(self, test: ast.expr) -> tuple[str, ...]:
        """Parameters a test needs true ("p") or false ("!p"): `if notify:`, `if message and
        notify:`, `if not path:`, `if path is None:`."""
        params = self.fn.params
        if not params:
            return ()
        kind = type(test)
        if kind is ast.Name:
            return (test.id,) if test.id in params else ()
        if kind is ast.UnaryOp and isinstance(test.op, ast.Not):
            inner = test.operand
            return (f"!{inner.id}",) if type(inner) is ast.Name and inner.id in params else ()
        if kind is ast.Compare and len(test.ops) == 1 and type(test.left) is ast.Name:
            right = test.comparators[0]
            if test.left.id in params and type(right) is ast.Constant and right.value is None:
                if isinstance(test.ops[0], (ast.Is, ast.Eq)):
                    return (f"!{test.left.id}",)
                if isinstance(test.ops[0], (ast.IsNot, ast.NotEq)):
                    return (test.left.id,)
            return ()
        if kind is ast.BoolOp and isinstance(test.op, ast.And):
            out: list[str] = []
            for v in test.values:
                out.extend(self._flags(v))
            return tuple(out)
        return ()

    def _while(self, node: ast.While) -> None:
        self.visit(node.test, BOOL)
        self._block(node.body)
        self._block(node.orelse)

    def _for(self, node: ast.For) -> None:
        self.visit(node.iter, READ)
        self._store(node.target, None, None)
        self._block(node.body)
        self._block(node.orelse)

    def _with(self, node: ast.With) -> None:
        inner = self.level
        for item in node.items:
            expr = item.context_expr
            self.visit(expr, REF)
            pushed = self._pusher(expr)
            if pushed == _SUPPRESS:
                inner = GUARDED
            elif pushed:
                self.fn.pushes = max(self.fn.pushes, pushed)
                inner = max(inner, pushed)
            if item.optional_vars is not None:
                chain = (
                    self._chain_of(expr)
                    if isinstance(expr, (ast.Name, ast.Attribute, ast.Call))
                    else None
                )
                self._store(item.optional_vars, None, chain)
        saved = self.level
        self.level = inner
        self._block(node.body)
        self.level = saved

    def _try(self, node: ast.Try) -> None:
        guarded = any(h.type is not None and _names_runtime_error(h.type) for h in node.handlers)
        saved = self.level
        if guarded:
            self.level = GUARDED
        self._block(node.body)
        self.level = saved
        for h in node.handlers:
            if h.type is not None:
                self.visit(h.type, REF)
            if h.name:
                self._bind_local(h.name, None)
            self._block(h.body)
        self._block(node.orelse)
        self._block(node.finalbody)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.fn.imports.append((alias.name, self.level, node.lineno))
            if alias.name.split(".")[0] == "alembic":
                self.mod.alembic = True
        if self.scope.parent is not None:
            table: dict = {}
            self._bind_import(node, table)
            for name, binding in table.items():
                self._bind_local(name, (binding[1], ()) if binding[0] == "import" else None)

    def _import_from(self, node: ast.ImportFrom) -> None:
        table: dict = {}
        modules = self._bind_import(node, table)
        for m in modules:
            self.fn.imports.append((m, self.level, node.lineno))
        if (node.module or "").split(".")[0] == "alembic" and not node.level:
            self.mod.alembic = True
        if self.scope.parent is not None:
            for name, binding in table.items():
                self._bind_local(name, (binding[1], ()) if binding[0] == "import" else None)

    def _global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    # -- expressions -------------------------------------------------------------------------

    def visit(self, node: ast.expr, mode: int) -> None:
        kind = type(node)
        if kind is ast.Constant:
            return
        if kind is ast.Name:
            self._name(node, mode)
            return
        handler = _EXPR.get(kind)
        if handler is not None:
            handler(self, node, mode)
            return
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.expr):
                        self.visit(item, REF)
                    elif isinstance(item, ast.AST):
                        self._generic_stmt(item)
            elif isinstance(value, ast.expr):
                self.visit(value, REF)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                self._generic_stmt(value)

    def _add_ref(self, root: str, attrs: tuple, mode: int, node: ast.AST, base: ast.AST) -> None:
        self.fn.refs.append(
            Ref(
                root,
                attrs,
                mode,
                node.lineno,
                node.col_offset,
                self.level,
                _text(base),
                0,
                self.conds,
            )
        )

    def _name(self, node: ast.Name, mode: int) -> Optional[tuple[str, tuple[str, ...]]]:
        if type(node.ctx) is not ast.Load:
            return None
        got = self._resolve(node.id)
        if got is not None:
            root, pre = got
            self.fn.refs.append(
                Ref(
                    root,
                    pre,
                    mode,
                    node.lineno,
                    node.col_offset,
                    self.level,
                    node.id,
                    len(pre),
                    self.conds,
                )
            )
        return got

    def _chain(self, node: ast.expr, mode: int) -> Optional[tuple[str, tuple[str, ...]]]:
        """An attribute chain or a call, with the calls inside it: one reference for the chain.

        Returns the chain it names (a call ends in a call marker), or None."""
        calls: Optional[list[ast.Call]] = None
        cur = node
        while True:
            kind = type(cur)
            if kind is ast.Attribute:
                cur = cur.value
            elif kind is ast.Call:
                if calls is None:
                    calls = [cur]
                else:
                    calls.append(cur)
                cur = cur.func
            else:
                break
        chain = None
        owned = False  # the chain starts at a name of the project
        if type(cur) is ast.Name:
            got = self._resolve(cur.id)
            if got is not None:
                attrs: list[str] = []
                part = node
                while part is not cur:
                    if type(part) is ast.Attribute:
                        attrs.append(part.attr)
                        part = part.value
                    else:
                        attrs.append(CALLED_WITH_ARGS if (part.args or part.keywords) else CALLED)
                        part = part.func
                attrs.reverse()
                root, pre = got
                chain = (root, pre + tuple(attrs))
                falsy: tuple = ()
                given: tuple = ()
                if type(node) is ast.Call:
                    attrs.pop()
                    mode = CALL
                    owned = self._owns(root)
                    if (node.args or node.keywords) and owned:
                        # What the call passes matters only for the project's own functions.
                        falsy = _falsy_args(node)
                        given = _given_args(node)
                self.fn.refs.append(
                    Ref(
                        root,
                        pre + tuple(attrs),
                        mode,
                        node.lineno,
                        node.col_offset,
                        self.level,
                        cur.id,
                        len(pre),
                        self.conds,
                        falsy,
                        given,
                    )
                )
        else:
            self.visit(cur, READ)
        if calls is None:
            return chain
        for call in reversed(calls):
            for a in call.args:
                self.visit(a, REF)
            for k in call.keywords:
                self.visit(k.value, REF)
            func = call.func
            kind = type(func)
            tail = func.attr if kind is ast.Attribute else (func.id if kind is ast.Name else None)
            if owned and tail and tail[0].isupper():
                self._construction(call)
            if tail in catalog.CALL_WORDS or tail == "func":
                self.fn.sites.append(
                    Site(
                        self._target(func),
                        tuple(self._target(a) for a in call.args),
                        tuple((k.arg or "**", self._target(k.value)) for k in call.keywords),
                        call.lineno,
                        call.col_offset,
                        self.level,
                    )
                )
        return chain

    def _owns(self, root: str) -> bool:
        """A qualified name of this project (this module or one of the project's packages)."""
        return root.startswith(self.name) or self._project_top(root.split(".", 1)[0])

    def _construction(self, call: ast.Call) -> None:
        """Keep ``Service(repo, self.queue)``-style calls of a class-like project name when an
        argument names something (most calls pass values that say nothing: not kept)."""
        if not any(type(a) in _NAMING for a in call.args) and not any(
            type(k.value) in _NAMING for k in call.keywords
        ):
            return
        args = tuple(self._target(a) for a in call.args)
        kwargs = tuple((k.arg, self._target(k.value)) for k in call.keywords if k.arg)
        if any(t is not None and t[0] != "const" for t in (*args, *(v for _, v in kwargs))):
            self.fn.inits.append((self._target(call.func), args, kwargs))

    def _elements(self, node: ast.expr, mode: int) -> None:
        for elt in node.elts:
            self.visit(elt, REF)

    def _dict(self, node: ast.Dict, mode: int) -> None:
        for k in node.keys:
            if k is not None:
                self.visit(k, REF)
        for v in node.values:
            self.visit(v, REF)

    def _starred(self, node: ast.Starred, mode: int) -> None:
        self.visit(node.value, REF)

    def _subscript(self, node: ast.Subscript, mode: int) -> None:
        self.visit(node.value, READ)
        self.visit(node.slice, REF)

    def _boolop(self, node: ast.BoolOp, mode: int) -> None:
        saved, saved_conds = self.level, self.conds
        is_and = isinstance(node.op, ast.And)
        for value in node.values:
            self.visit(value, BOOL)
            if is_and and self._guard(value) == 1:
                self.level = GUARDED
            flags = self._flags(value)
            if flags:
                # `path or current_app.config[...]` runs its right side only without `path`.
                self.conds = self.conds + (flags if is_and else tuple(map(_negate, flags)))
        self.level, self.conds = saved, saved_conds

    def _unaryop(self, node: ast.UnaryOp, mode: int) -> None:
        self.visit(node.operand, BOOL if isinstance(node.op, ast.Not) else READ)

    def _compare(self, node: ast.Compare, mode: int) -> None:
        identity = all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)
        inner = REF if identity else READ
        self.visit(node.left, inner)
        for c in node.comparators:
            self.visit(c, inner)

    def _binop(self, node: ast.BinOp, mode: int) -> None:
        self.visit(node.left, READ)
        self.visit(node.right, READ)

    def _ifexp(self, node: ast.IfExp, mode: int) -> None:
        sign = self._guard(node.test)
        flags = self._flags(node.test)
        self.visit(node.test, BOOL)
        saved, saved_conds = self.level, self.conds
        if sign == 1:
            self.level = GUARDED
        self.conds = saved_conds + flags
        self.visit(node.body, mode)
        self.level = saved
        if sign == -1:
            self.level = GUARDED
        self.conds = saved_conds + (tuple(map(_negate, flags)) if len(flags) == 1 else ())
        self.visit(node.orelse, mode)
        self.level, self.conds = saved, saved_conds

    def _lambda(self, node: ast.Lambda, mode: int) -> None:
        qual = f"{self.fn.qualname}.<lambda:{node.lineno}:{node.col_offset}>"
        fn = self._new_function(node, "<lambda>", qual)
        fn.is_lambda = True
        for d in (*node.args.defaults, *node.args.kw_defaults):
            if d is not None:
                self.visit(d, REF)
        self.pending.append((fn, node.body, node.args, self.scope, None))

    def _joined(self, node: ast.JoinedStr, mode: int) -> None:
        for v in node.values:
            if type(v) is ast.FormattedValue:
                self._formatted(v, READ)

    def _formatted(self, node: ast.FormattedValue, mode: int) -> None:
        self.visit(node.value, READ)
        if node.format_spec is not None:
            self.visit(node.format_spec, READ)

    def _yield(self, node: ast.expr, mode: int) -> None:
        self.fn.generator = True
        if node.value is not None:
            self.visit(node.value, REF)

    def _await(self, node: ast.Await, mode: int) -> None:
        self.visit(node.value, READ)

    def _comp(self, node: ast.expr, mode: int) -> None:
        for gen in node.generators:
            self.visit(gen.iter, READ)
            names: set[str] = set()
            _bind_names(gen.target, names)
            for n in names:
                self._bind_local(n, None)
            for cond in gen.ifs:
                self.visit(cond, BOOL)
        if type(node) is ast.DictComp:
            self.visit(node.key, REF)
            self.visit(node.value, REF)
        else:
            self.visit(node.elt, REF)

    def _namedexpr(self, node: ast.NamedExpr, mode: int) -> None:
        self.visit(node.value, mode)
        self._bind_local(node.target.id, None)

    # -- targets -----------------------------------------------------------------------------

    def _target(self, node: Optional[ast.expr]) -> Target:
        if node is None:
            return None
        kind = type(node)
        if kind is ast.Name or kind is ast.Attribute:
            chain = self._chain_of(node)
            if chain is None:
                if kind is ast.Name:
                    return ("chain", node.id, ()) if node.id in _BUILTIN_DECORATORS else None
                path = [node.attr]
                base = node.value
                while type(base) is ast.Attribute:
                    path.append(base.attr)
                    base = base.value
                return ("attr", node.attr, tuple(reversed(path)))
            return ("chain", chain[0], chain[1])
        if kind is ast.Call:
            return (
                "call",
                self._target(node.func),
                tuple(self._target(a) for a in node.args),
                tuple((k.arg, self._target(k.value)) for k in node.keywords if k.arg),
            )
        if kind is ast.BoolOp and type(node.op) is ast.Or:
            # `self._session = session or db.session`: the first operand known to be something.
            for operand in node.values:
                target = self._target(operand)
                if target is not None:
                    return target
            return None
        if kind is ast.Lambda:
            return ("fn", f"{self.fn.qualname}.<lambda:{node.lineno}:{node.col_offset}>")
        if kind is ast.Tuple or kind is ast.List or kind is ast.Set:
            return ("seq", tuple(self._target(e) for e in node.elts))
        if kind is ast.Dict:
            return ("seq", tuple(self._target(v) for v in node.values if v is not None))
        if kind is ast.Constant:
            value = node.value
            if value is None or isinstance(value, (str, int, float, bool)):
                return ("const", value)
        return None


_NAMING = (ast.Name, ast.Attribute, ast.Call, ast.BoolOp)
_BUILTIN_DECORATORS = {"staticmethod", "classmethod", "property", "print"}
_SKIPPED = ("skip",)
_SUPPRESS = 3  # `with contextlib.suppress(RuntimeError):` guards; it pushes nothing
_DYNAMIC = ("import_module", "iter_modules", "import_string", "__import__(", "find_modules")


def _skip(builder: _Builder, node: ast.AST) -> None:
    return None


def _skip2(builder: _Builder, node: ast.AST, mode: int) -> None:
    return None


_STMT: dict = {
    ast.FunctionDef: _Builder._def,
    ast.AsyncFunctionDef: _Builder._def,
    ast.ClassDef: _Builder._class,
    ast.Assign: _Builder._assign,
    ast.AnnAssign: _Builder._ann_assign,
    ast.AugAssign: _Builder._aug_assign,
    ast.Expr: _Builder._expr_stmt,
    ast.Return: _Builder._return,
    ast.If: _Builder._if,
    ast.While: _Builder._while,
    ast.For: _Builder._for,
    ast.AsyncFor: _Builder._for,
    ast.With: _Builder._with,
    ast.AsyncWith: _Builder._with,
    ast.Try: _Builder._try,
    ast.Import: _Builder._import,
    ast.ImportFrom: _Builder._import_from,
    ast.Global: _Builder._global,
    ast.Nonlocal: _Builder._global,
    ast.Pass: _skip,
    ast.Break: _skip,
    ast.Continue: _skip,
}
_EXPR: dict = {
    ast.Name: _Builder._name,
    ast.Attribute: _Builder._chain,
    ast.Call: _Builder._chain,
    ast.Constant: _skip2,
    ast.Subscript: _Builder._subscript,
    ast.BoolOp: _Builder._boolop,
    ast.UnaryOp: _Builder._unaryop,
    ast.Compare: _Builder._compare,
    ast.BinOp: _Builder._binop,
    ast.IfExp: _Builder._ifexp,
    ast.Lambda: _Builder._lambda,
    ast.JoinedStr: _Builder._joined,
    ast.FormattedValue: _Builder._formatted,
    ast.Yield: _Builder._yield,
    ast.YieldFrom: _Builder._yield,
    ast.Await: _Builder._await,
    ast.ListComp: _Builder._comp,
    ast.SetComp: _Builder._comp,
    ast.GeneratorExp: _Builder._comp,
    ast.DictComp: _Builder._comp,
    ast.NamedExpr: _Builder._namedexpr,
    ast.List: _Builder._elements,
    ast.Tuple: _Builder._elements,
    ast.Set: _Builder._elements,
    ast.Dict: _Builder._dict,
    ast.Starred: _Builder._starred,
}

if getattr(ast, "TryStar", None) is not None:
    _STMT[ast.TryStar] = _Builder._try


def _negate(flag: str) -> str:
    return flag[1:] if flag.startswith("!") else f"!{flag}"


def _given_args(call: ast.Call) -> tuple:
    """The parameters a call passes something for that is not a false constant."""
    out: list = []
    for i, a in enumerate(call.args):
        if type(a) is ast.Starred:
            break
        if not (type(a) is ast.Constant and not a.value):
            out.append(i)
    for k in call.keywords:
        if k.arg and not (type(k.value) is ast.Constant and not k.value.value):
            out.append(k.arg)
    return tuple(out)


def _falsy_args(call: ast.Call) -> tuple:
    out: list = []
    for i, a in enumerate(call.args):
        if type(a) is ast.Constant and not a.value:
            out.append(i)
    for k in call.keywords:
        if k.arg and type(k.value) is ast.Constant and not k.value.value:
            out.append(k.arg)
    return tuple(out)


def _names_runtime_error(node: ast.expr) -> bool:
    if type(node) is ast.Tuple:
        return any(_names_runtime_error(e) for e in node.elts)
    if type(node) is ast.Name:
        return node.id == "RuntimeError"
    if type(node) is ast.Attribute:
        return node.attr == "RuntimeError"
    return False


def _qual(chain: tuple[str, tuple[str, ...]]) -> str:
    root, attrs = chain
    if not attrs:
        return _canon(root)
    return _canon(".".join((root, *attrs)))


def _canon(qual: str) -> str:
    head, _, name = qual.rpartition(".")
    alias = catalog.MODULE_ALIASES.get(head)
    return f"{alias}.{name}" if alias else qual


def _text(node: ast.AST) -> str:
    return node.id if type(node) is ast.Name else "?"


def build(
    tree: ast.Module,
    name: str,
    path: str,
    source: str,
    package: str,
    tops: frozenset[str] = frozenset(),
) -> Module:
    """The model of one parsed module named ``name`` (a dotted name) in ``package``; ``tops``
    are the top-level names of the project's packages and modules."""
    builder = _Builder(tree, name, path, package, tops)
    mod = builder.build()
    if "revision" in mod.bindings and "down_revision" in mod.bindings:
        mod.alembic = True  # an Alembic revision script: `flask db upgrade` runs it in a context
    mod.server_name = _SERVER_NAME in source and _configures_server_name(tree)
    mod.dynamic = any(word in source for word in _DYNAMIC)
    mod.ignores = _ignores(source)
    if not source.isascii():
        mod.wide_lines = {
            i: text for i, text in enumerate(source.splitlines(), 1) if not text.isascii()
        }
    return mod
