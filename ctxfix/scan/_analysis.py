"""The per-file analysis: names, facts for the whole project, and the rules' findings."""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator, Optional

from .findings import ScanError, ScanFinding

# ---------------------------------------------------------------------------------------------
# What the rules look for

_APP_GLOBALS = {
    "current_app",
    "g",
    "url_for",
    "render_template",
    "render_template_string",
    "stream_template",
    "jsonify",
    "make_response",
}
_REQUEST_GLOBALS = {
    "request",
    "session",
    "flash",
    "get_flashed_messages",
    "send_file",
    "send_from_directory",
}
_FLASK_GLOBALS = _APP_GLOBALS | _REQUEST_GLOBALS
_FLASK_MODULES = {"flask", "flask.globals", "flask.helpers", "flask.templating", "flask.json"}

_DB_ATTRS = {
    "session",
    "engine",
    "engines",
    "create_all",
    "drop_all",
    "reflect",
    "get_engine",
    "paginate",
    "get_or_404",
    "first_or_404",
    "one_or_404",
}

_SETUP_ATTRS = {"create_all", "drop_all", "reflect"}
_DISPATCH = "<argparse dispatch>"

# How much context a use needs: 1 = an app context, 2 = a request context.
_APP, _REQUEST = 1, 2
_PUSHERS = {"app_context": _APP, "test_request_context": _REQUEST, "request_context": _REQUEST}
_GUARDS = {"has_app_context", "has_request_context"}

_EXECUTOR_CTORS = {"ThreadPoolExecutor", "ProcessPoolExecutor", "ThreadPool", "Pool"}
_SCHEDULER_CTORS = {
    "APScheduler",
    "BackgroundScheduler",
    "BlockingScheduler",
    "AsyncIOScheduler",
    "GeventScheduler",
    "TornadoScheduler",
    "QtScheduler",
}
_TRIGGERS = {"interval", "cron", "date"}
_ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
_FACTORY_NAMES = {"create_app", "make_app", "app_factory"}

_SPAWN_NAMES = {
    "Thread",
    "Timer",
    "spawn",
    "spawn_n",
    "spawn_later",
    "start_new_thread",
    "Greenlet",
    "start_background_task",
    "submit",
    "map",
    "apply_async",
    "run_in_executor",
}

# Words on a line that make the index look inside its expressions (see _Module._collect).
_HOT = re.compile(
    r"Thread|Timer|spawn|start_new_thread|Greenlet|start_background_task|submit|map|apply_async"
    r"|run_in_executor|add_job|add_command|Flask|Response|response_class|yield|connect"
    r"|set_defaults|\.func\("
)
# A file that mentions none of these cannot produce a finding or a project fact; it is not parsed.
_RELEVANT = re.compile(r"flask|db|SQLAlchemy|query|[Cc]elery|Task|add_command")

_IGNORE = re.compile(r"#\s*ctxfix:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


@dataclass(frozen=True)
class _Use:
    need: int
    label: str
    line: int
    col: int
    via: Optional[str] = None

    def describe(self) -> str:
        if self.via:
            return f"`{self.label}` (through `{self.via}()`)"
        return f"`{self.label}`"


@dataclass(frozen=True)
class _Deferred:
    """A finding that depends on facts from other files; settled in :func:`_settle`."""

    kind: str  # "celery" or "click"
    path: str
    line: int
    col: int
    names: tuple[str, ...]
    message: str
    request_line: int = 0
    request_col: int = 0
    request_message: str = ""
    instance: Optional[str] = None
    base: Optional[str] = None


@dataclass
class _Facts:
    """What one file tells about the whole project."""

    celery_seen: bool = False
    celery_aware_any: bool = False
    celery_instances: dict[str, bool] = field(default_factory=dict)
    aware_classes: set[str] = field(default_factory=set)
    classes: dict[str, list[str]] = field(default_factory=dict)
    cli_registered: set[str] = field(default_factory=set)

    def merge(self, other: _Facts) -> None:
        self.celery_seen |= other.celery_seen
        self.celery_aware_any |= other.celery_aware_any
        for k, v in other.celery_instances.items():
            self.celery_instances[k] = self.celery_instances.get(k, False) or v
        self.aware_classes |= other.aware_classes
        for k, v in other.classes.items():
            self.classes.setdefault(k, []).extend(v)
        self.cli_registered |= other.cli_registered


# ---------------------------------------------------------------------------------------------
# Small AST helpers


def _tail(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _dotted_tail(node: ast.AST) -> Optional[str]:
    """``a.b`` for an attribute chain ending in a name, else the plain tail name."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return _tail(node)


def _kwarg(call: ast.Call, name: str) -> Optional[ast.expr]:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _is_main_guard(test: ast.expr) -> bool:
    if isinstance(test, ast.Compare) and len(test.comparators) == 1:
        sides = [test.left, test.comparators[0]]
        names = [s.id for s in sides if isinstance(s, ast.Name)]
        consts = [s.value for s in sides if isinstance(s, ast.Constant)]
        return names == ["__name__"] and consts == ["__main__"]
    return False


def _mentions(node: ast.AST, names: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in names:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in names:
            return True
    return False


def _catches_runtime_error(node: ast.Try) -> bool:
    for h in node.handlers:
        if h.type is None or _mentions(h.type, {"RuntimeError", "Exception", "BaseException"}):
            return True
    return False


_FuncNode = (ast.FunctionDef, ast.AsyncFunctionDef)
_INERT = (ast.Import, ast.ImportFrom, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)


def _elements(args: list[ast.expr]) -> Iterator[ast.expr]:
    """The values handed over: the arguments, and the items of literal tuples, lists, dicts."""
    for arg in args:
        if isinstance(arg, (ast.Tuple, ast.List, ast.Set)):
            yield from arg.elts
        elif isinstance(arg, ast.Dict):
            yield from (v for v in arg.values if v is not None)
        else:
            yield arg


def _local_names(fn: ast.AST) -> set[str]:
    """Names a function binds itself: parameters, assignment targets, imports, inner defs."""
    names: set[str] = set()
    args = fn.args
    for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if a is not None:
            names.add(a.arg)
    if isinstance(fn, ast.Lambda):
        return names
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Assign:
            for t in node.targets:
                _bind(t, names)
        elif kind in (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor):
            _bind(node.target, names)
        elif kind is ast.With or kind is ast.AsyncWith:
            for item in node.items:
                if item.optional_vars is not None:
                    _bind(item.optional_vars, names)
        elif kind is ast.Import or kind is ast.ImportFrom:
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)
            continue
        elif kind is ast.ExceptHandler and node.name:
            names.add(node.name)
        for block_name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, block_name, None)
            if block:
                stack.extend(block)
    return names


def _bind(target: ast.AST, names: set[str]) -> None:
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _bind(elt, names)
    elif isinstance(target, ast.Starred):
        _bind(target.value, names)


# ---------------------------------------------------------------------------------------------
# One module


class _Module:
    """One parsed file: the names it binds, the facts it adds to the project, and its findings."""

    def __init__(self, tree: ast.Module, path: str, lines: list[str]) -> None:
        self.tree = tree
        self.path = path
        self._source = "\n".join(lines)
        self._line_starts = list(accumulate((len(t) + 1 for t in lines), initial=0))
        self._hot_lines = [n for n, text in enumerate(lines, 1) if _HOT.search(text)]
        self._use_lines: Optional[list[int]] = None
        self.findings: list[ScanFinding] = []
        self.deferred: list[_Deferred] = []
        self.facts = _Facts()

        self.flask_names: dict[str, str] = {}
        self.flask_modules: set[str] = set()
        self.flask_ctor: set[str] = set()
        self.db_names: set[str] = set()
        self.imported: set[str] = set()
        self.functions: dict[str, ast.AST] = {}
        self.nested: dict[int, dict[str, ast.AST]] = {}
        self.thread_ctors: set[str] = set()
        self.threading_mods: set[str] = {"threading"}
        self.spawners: set[str] = set()
        self.executors: set[str] = set()
        self.celery_ctor: set[str] = set()
        self.celery_names: set[str] = set()
        self.shared_task: set[str] = set()
        self.schedulers: set[str] = set()
        self.click_mods: set[str] = set()
        self.click_command: set[str] = set()
        self.click_group: set[str] = set()
        self.plain_groups: set[str] = set()
        self.app_groups: set[str] = set()
        self.appcontext_decorators: set[str] = set()
        self.wrappers_copy: set[str] = {"copy_current_request_context"}
        self.wrappers_stream: set[str] = {"stream_with_context"}
        self.response_names: set[str] = set()
        self.partial_names: set[str] = {"partial"}
        self.ctx_vars: set[str] = set()
        self.model_like: set[str] = set()
        self.import_alias: dict[str, str] = {}
        self.celery_signals: set[str] = set()
        self.celery_signal_mods: set[str] = set()
        self.arg_handlers: dict[str, ast.Call] = {}

        self._uses_cache: dict[int, list[_Use]] = {}
        self._deep_cache: dict[int, list[_Use]] = {}
        self._locals_cache: dict[int, set[str]] = {}
        self._factories: set[int] = set()
        self._parents: dict[int, ast.AST] = {}
        self._generators: set[int] = set()
        self._shells: list[ast.Module] = []
        self._lambda_scope: dict[int, ast.AST] = {}
        self._collect()

    # -- first pass: names -------------------------------------------------------------------

    def _collect(self) -> None:
        """One pass over the tree: names, facts, and where every call and function sits."""
        functions: list[ast.AST] = []
        assigns: list[ast.Assign] = []
        calls: list[tuple[ast.Call, Optional[ast.AST]]] = []
        returns: list[tuple[ast.Return, ast.AST]] = []
        nested = self.nested
        parents = self._parents
        generators = self._generators
        hot = self._hot
        # (node, enclosing function, registers as a function of the enclosing scope).
        # Statements are all visited; an expression is entered only when its lines mention a
        # call or keyword some rule looks for, which keeps the pass cheap on large trees.
        stack: list[tuple[ast.AST, Optional[ast.AST], bool]] = [
            (n, None, True) for n in reversed(self.tree.body)
        ]
        while stack:
            node, owner, scoped = stack.pop()
            kind = type(node)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                functions.append(node)
                if scoped:
                    if owner is None:
                        self.functions[node.name] = node
                    else:
                        nested.setdefault(id(owner), {})[node.name] = node
                for d in node.decorator_list:
                    if hot(d):
                        stack.append((d, owner, False))
                for child in node.body:
                    stack.append((child, node, True))
                continue
            if kind is ast.ClassDef:
                self._class(node)
                for child in node.body:
                    stack.append((child, owner, False))
                continue
            if kind is ast.Call:
                calls.append((node, owner))
                if owner is not None:
                    parents[id(node)] = owner
            elif kind is ast.Yield or kind is ast.YieldFrom:
                if owner is not None:
                    generators.add(id(owner))
            elif kind is ast.Return:
                if owner is not None and node.value is not None:
                    returns.append((node, owner))
            elif kind is ast.ImportFrom:
                self._import_from(node)
                continue
            elif kind is ast.Import:
                self._import(node)
                continue
            elif kind is ast.Assign:
                assigns.append(node)
            elif kind is ast.With or kind is ast.AsyncWith:
                for item in node.items:
                    expr = item.context_expr
                    if isinstance(item.optional_vars, ast.Name) and isinstance(expr, ast.Call):
                        if _tail(expr.func) in _EXECUTOR_CTORS:
                            self.executors.add(item.optional_vars.id)
            elif kind is ast.Lambda:
                stack.append((node.body, owner, False))
                continue
            if isinstance(node, ast.expr):
                for child in ast.iter_child_nodes(node):
                    stack.append((child, owner, False))
                continue
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.stmt):
                            stack.append((item, owner, scoped))
                        elif isinstance(item, ast.expr):
                            if hot(item):
                                stack.append((item, owner, False))
                        elif isinstance(item, ast.AST):
                            stack.append((item, owner, scoped))
                elif isinstance(value, ast.expr):
                    if hot(value):
                        stack.append((value, owner, False))
                elif isinstance(value, ast.AST):
                    stack.append((value, owner, scoped))
        for node in assigns:
            self._assign(node)
        for fn in functions:
            self._group(fn)
        for call, owner in calls:
            self._registration(call)
            if isinstance(call.func, ast.Attribute) and call.func.attr == "set_defaults":
                handler = _kwarg(call, "func")
                if isinstance(handler, ast.Name):
                    self.arg_handlers.setdefault(handler.id, call)
            func = call.func
            if owner is not None and (
                (isinstance(func, ast.Name) and func.id in self.flask_ctor)
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "Flask"
                    and _tail(func.value) in self.flask_modules
                )
            ):
                self._factories.add(id(owner))
        for fn in functions:
            if fn.name in _FACTORY_NAMES:
                self._factories.add(id(fn))
        for n in ("spawn", "spawn_later", "spawn_n", "start_new_thread"):
            if n in self.imported:
                self.spawners.add(n)
        self._functions_all = functions
        self._calls = calls
        self._returns = returns

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self.imported.add(local)
            if alias.name in _FLASK_MODULES:
                if alias.asname or alias.name == "flask":
                    self.flask_modules.add(local)
            elif alias.name == "click":
                self.click_mods.add(local)
            elif alias.name == "threading":
                self.threading_mods.add(local)
            elif alias.name == "flask_celeryext":
                self.facts.celery_aware_any = True

    def _hot(self, node: ast.AST) -> bool:
        lines = self._hot_lines
        i = bisect_left(lines, node.lineno)
        return i < len(lines) and lines[i] <= (node.end_lineno or node.lineno)

    def _group(self, fn: ast.AST) -> None:
        for deco in fn.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = deco.func if call is not None else deco
            name = _tail(target)
            owner = _tail(target.value) if isinstance(target, ast.Attribute) else None
            is_group = (isinstance(target, ast.Name) and target.id in self.click_group) or (
                name == "group" and (owner in self.click_mods or owner in self.plain_groups)
            )
            if is_group:
                cls = _kwarg(call, "cls") if call is not None else None
                if cls is not None and _tail(cls) in ("FlaskGroup", "AppGroup"):
                    self.app_groups.add(fn.name)
                elif cls is None:
                    self.plain_groups.add(fn.name)
            elif name == "group" and (owner in self.app_groups or owner == "cli"):
                self.app_groups.add(fn.name)

    def _import_from(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            self.imported.add(local)
            self.import_alias[local] = alias.name
            if local[:1].isupper() and mod:
                self.model_like.add(local)
            name = alias.name
            if mod in _FLASK_MODULES:
                if name in _FLASK_GLOBALS:
                    self.flask_names[local] = name
                elif name == "Flask":
                    self.flask_ctor.add(local)
                elif name == "copy_current_request_context":
                    self.wrappers_copy.add(local)
                elif name == "stream_with_context":
                    self.wrappers_stream.add(local)
                elif name == "Response":
                    self.response_names.add(local)
            elif mod == "flask.cli":
                if name == "with_appcontext":
                    self.appcontext_decorators.add(local)
                elif name in ("AppGroup", "FlaskGroup"):
                    self.app_groups.add(local)
            elif mod.startswith("werkzeug") and name == "Response":
                self.response_names.add(local)
            elif mod == "threading" and name in ("Thread", "Timer"):
                self.thread_ctors.add(local)
            elif mod in ("gevent", "eventlet", "_thread") and name.startswith(("spawn", "start")):
                self.spawners.add(local)
            elif mod.startswith(("concurrent.futures", "multiprocessing")) and (
                name in _EXECUTOR_CTORS
            ):
                pass
            elif mod == "celery.signals":
                self.celery_signals.add(local)
            elif mod == "celery":
                if name == "signals":
                    self.celery_signal_mods.add(local)
                elif name == "Celery":
                    self.celery_ctor.add(local)
                elif name == "shared_task":
                    self.shared_task.add(local)
            elif mod == "click":
                if name == "command":
                    self.click_command.add(local)
                elif name == "group":
                    self.click_group.add(local)
            elif mod == "functools" and name == "partial":
                self.partial_names.add(local)
            elif mod.startswith("flask_celeryext"):
                self.facts.celery_aware_any = True
            elif name == "db":
                self.db_names.add(local)
            elif "sched" in local.lower():
                self.schedulers.add(local)
            elif "celery" in local.lower():
                self.celery_names.add(local)

    def _assign(self, node: ast.Assign) -> None:
        value = node.value
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        for t in node.targets:
            # celery.Task = ContextTask: the pre-2.2.3 Flask docs pattern.
            if isinstance(t, ast.Attribute) and t.attr == "Task":
                owner = _tail(t.value)
                if owner:
                    self.facts.celery_instances[owner] = True
                self.facts.celery_aware_any = True
        if not isinstance(value, ast.Call):
            return
        # celery = make_celery(app): an instance made elsewhere, known by its name.
        self.celery_names.update(n for n in names if "celery" in n.lower())
        ctor = _tail(value.func)
        if ctor == "SQLAlchemy":
            self.db_names.update(names)
        elif ctor in _EXECUTOR_CTORS:
            self.executors.update(names)
        elif ctor in _SCHEDULER_CTORS:
            self.schedulers.update(names)
        elif ctor in ("AppGroup", "FlaskGroup"):
            self.app_groups.update(names)
        elif ctor == "Group" and isinstance(value.func, ast.Attribute):
            self.plain_groups.update(names)
        elif ctor in ("app_context", "test_request_context", "request_context"):
            self.ctx_vars.update(names)
        elif ctor == "Celery" or (ctor in self.celery_ctor):
            aware = _kwarg(value, "task_cls") is not None
            self.facts.celery_seen = True
            self.facts.celery_aware_any |= aware
            for n in names:
                self.celery_names.add(n)
                self.facts.celery_instances[n] = self.facts.celery_instances.get(n, False) or aware

    def _class(self, node: ast.ClassDef) -> None:
        bases = [_tail(b) or "?" for b in node.bases]
        self.facts.classes.setdefault(node.name, []).extend(bases)
        if any("Model" in b for b in bases):
            self.model_like.add(node.name)
        if not any("Task" in b for b in bases):
            return
        for item in node.body:
            if isinstance(item, _FuncNode) and item.name in ("__call__", "run"):
                for sub in ast.walk(item):
                    if isinstance(sub, ast.Call) and _tail(sub.func) in _PUSHERS:
                        self.facts.aware_classes.add(node.name)

    def _registration(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "add_command" and call.args):
            return
        owner = func.value
        owner_ok = (isinstance(owner, ast.Attribute) and owner.attr == "cli") or (
            isinstance(owner, ast.Name) and owner.id in self.app_groups
        )
        if not owner_ok:
            return
        arg = call.args[0]
        if isinstance(arg, ast.Name):
            known = (
                arg.id in self.imported
                or arg.id in self.functions
                or any(arg.id in inner for inner in self.nested.values())
            )
            # A loop variable or a computed command: any command may be the one registered.
            self.facts.cli_registered.add(self.import_alias.get(arg.id, arg.id) if known else "*")
            self.facts.cli_registered.add(arg.id)
        elif isinstance(arg, ast.Attribute):
            self.facts.cli_registered.add(arg.attr)
        else:
            self.facts.cli_registered.add("*")

    # -- uses of Flask globals ---------------------------------------------------------------

    def _locals(self, fn: ast.AST) -> set[str]:
        key = id(fn)
        got = self._locals_cache.get(key)
        if got is None:
            got = _local_names(fn)
            outer = self._lambda_scope.get(key)
            if outer is not None:
                got |= self._locals(outer)
            self._locals_cache[key] = got
        return got

    def _lookup_function(self, name: str, scope: Optional[ast.AST]) -> Optional[ast.AST]:
        if scope is not None:
            inner = self.nested.get(id(scope), {})
            if name in inner:
                return inner[name]
        return self.functions.get(name)

    def _classify(self, node: ast.AST, local: set[str]) -> Optional[tuple[int, str]]:
        """Does evaluating this node need a context? Returns (need, label)."""
        if isinstance(node, ast.Name):
            canon = self.flask_names.get(node.id)
            if canon and node.id not in local and isinstance(node.ctx, ast.Load):
                return (_REQUEST if canon in _REQUEST_GLOBALS else _APP), canon
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = node.value.id
            if base in local:
                return None
            if base in self.flask_modules and node.attr in _FLASK_GLOBALS:
                need = _REQUEST if node.attr in _REQUEST_GLOBALS else _APP
                return need, f"{base}.{node.attr}"
            if base in self.db_names and node.attr in _DB_ATTRS:
                return _APP, f"{base}.{node.attr}"
            if (
                node.attr == "query"
                and base[:1].isupper()
                and (
                    base in self.model_like
                    or self.db_names
                    or self.flask_names
                    or self.flask_modules
                )
            ):
                return _APP, f"{base}.query"
        return None

    def _uses(self, fn: ast.AST, level: int = 0) -> list[_Use]:
        """Uses in a function (or a module, or a lambda) not covered by a pushed context.

        Calls to functions of the same module are kept as uses with ``need=0`` and the callee
        name as the label, to be followed by :meth:`_deep_uses`.
        """
        key = id(fn) * 4 + level
        got = self._uses_cache.get(key)
        if got is not None:
            return got
        out: list[_Use] = []
        local = set() if isinstance(fn, ast.Module) else self._locals(fn)
        scope = None if isinstance(fn, ast.Module) else fn
        if isinstance(fn, ast.Lambda):
            self._visit_expr(fn.body, level, local, scope, out)
        else:
            self._visit_block(fn.body, level, local, scope, out)
        self._uses_cache[key] = out
        return out

    def _visit_block(
        self, stmts: list[ast.stmt], level: int, local: set[str], scope, out: list[_Use]
    ) -> None:
        for stmt in stmts:
            pushed = self._push_statement(stmt)
            if pushed:
                level = max(level, pushed)
                continue
            self._visit_stmt(stmt, level, local, scope, out)

    def _push_statement(self, stmt: ast.stmt) -> int:
        """``ctx.push()`` / ``app.app_context().push()``: the rest of the block has a context."""
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return 0
        func = stmt.value.func
        if not (isinstance(func, ast.Attribute) and func.attr == "push"):
            return 0
        target = func.value
        if isinstance(target, ast.Call):
            return _PUSHERS.get(_tail(target.func) or "", 0)
        if isinstance(target, ast.Name) and target.id in self.ctx_vars:
            return _REQUEST
        return 0

    def _visit_stmt(self, stmt: ast.stmt, level: int, local: set[str], scope, out) -> None:
        if isinstance(stmt, _INERT):
            return
        if isinstance(stmt, (*_FuncNode,)):
            # Decorators and defaults run now; the body runs later, elsewhere.
            for d in stmt.decorator_list:
                self._visit_expr(d, level, local, scope, out)
            for d in (*stmt.args.defaults, *stmt.args.kw_defaults):
                if d is not None:
                    self._visit_expr(d, level, local, scope, out)
            return
        if isinstance(stmt, ast.ClassDef):
            for d in (*stmt.decorator_list, *stmt.bases):
                self._visit_expr(d, level, local, scope, out)
            self._visit_block(stmt.body, level, local, scope, out)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = level
            for item in stmt.items:
                self._visit_expr(item.context_expr, level, local, scope, out)
                expr = item.context_expr
                if isinstance(expr, ast.Call):
                    inner = max(inner, _PUSHERS.get(_tail(expr.func) or "", 0))
                elif isinstance(expr, ast.Name) and expr.id in self.ctx_vars:
                    inner = _REQUEST
            self._visit_block(stmt.body, inner, local, scope, out)
            return
        if isinstance(stmt, ast.If):
            if _mentions(stmt.test, _GUARDS):
                return
            self._visit_expr(stmt.test, level, local, scope, out)
            self._visit_block(stmt.body, level, local, scope, out)
            self._visit_block(stmt.orelse, level, local, scope, out)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            if not _catches_runtime_error(stmt):
                self._visit_block(stmt.body, level, local, scope, out)
            for h in stmt.handlers:
                self._visit_block(h.body, level, local, scope, out)
            self._visit_block(stmt.orelse, level, local, scope, out)
            self._visit_block(stmt.finalbody, level, local, scope, out)
            return
        self._visit_fields(stmt, level, local, scope, out)

    def _visit_fields(self, node: ast.AST, level: int, local: set[str], scope, out) -> None:
        for _, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                self._visit_expr(value, level, local, scope, out)
            elif isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._visit_block(value, level, local, scope, out)
                    continue
                for item in value:
                    if isinstance(item, ast.expr):
                        self._visit_expr(item, level, local, scope, out)
                    elif isinstance(item, ast.AST):
                        self._visit_fields(item, level, local, scope, out)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                self._visit_fields(value, level, local, scope, out)

    def _visit_expr(self, expr: ast.expr, level: int, local: set[str], scope, out) -> None:
        lines = self._use_lines
        if lines is None:
            lines = self._use_lines = self._lines_naming_uses()
        i = bisect_left(lines, expr.lineno)
        if i == len(lines) or lines[i] > (expr.end_lineno or expr.lineno):
            return
        stack: list[ast.AST] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Lambda, *_FuncNode, ast.ClassDef)):
                continue
            hit = self._classify(node, local)
            if hit is not None:
                need, label = hit
                if need > level:
                    out.append(_Use(need, label, node.lineno, node.col_offset))
                continue
            if isinstance(node, ast.Call):
                func = node.func
                if self.arg_handlers and isinstance(func, ast.Attribute) and func.attr == "func":
                    # args.func(args): argparse dispatch to a set_defaults(func=...) handler.
                    out.append(_Use(-level, _DISPATCH, node.lineno, node.col_offset))
                if isinstance(func, ast.Attribute) and func.attr == "query":
                    # Model.query(...) is another ORM's method; Flask-SQLAlchemy's is a property.
                    stack.append(func.value)
                    stack.extend(node.args)
                    stack.extend(k.value for k in node.keywords)
                    continue
                if isinstance(func, ast.Name) and func.id not in self.flask_names:
                    if func.id not in local or (
                        scope and func.id in self.nested.get(id(scope), {})
                    ):
                        callee = self._lookup_function(func.id, scope)
                        if callee is not None and callee is not scope:
                            out.append(_Use(-level, func.id, node.lineno, node.col_offset))
                if _tail(func) in self.wrappers_stream or _tail(func) in self.wrappers_copy:
                    # The wrapped generator or function runs later with a context of its own.
                    stack.append(func)
                    continue
            stack.extend(ast.iter_child_nodes(node))

    def _lines_naming_uses(self) -> list[int]:
        """Lines that name a Flask global, the db, a query, or a function of this module."""
        words = {
            *self.flask_names,
            *self.flask_modules,
            *self.db_names,
            *self.functions,
            "query",
        }
        for inner in self.nested.values():
            words.update(inner)
        if self.arg_handlers:
            words.add(".func(")
        source = self._source
        starts = self._line_starts
        found: set[int] = set()
        for word in words:
            i = source.find(word)
            while i != -1:
                found.add(bisect_left(starts, i + 1))
                i = source.find(word, i + len(word))
        return sorted(found)

    def _deep_uses(
        self, fn: ast.AST, level: int = 0, _path: frozenset[int] = frozenset()
    ) -> list[_Use]:
        """Uses in ``fn`` and in the same-module functions it calls, sorted by position."""
        key = id(fn) * 4 + level
        cached = not _path
        if cached and key in self._deep_cache:
            return self._deep_cache[key]
        path = _path | {id(fn)}
        out: list[_Use] = []
        scope = None if isinstance(fn, ast.Module) else fn
        for use in self._uses(fn, level):
            if use.need > 0:
                out.append(use)
                continue
            callee = self._lookup_function(use.label, scope)
            if callee is None or id(callee) in path or self._is_entry_point(callee):
                continue
            inner = self._deep_uses(callee, -use.need, path)
            if inner:
                first = inner[0]
                out.append(_Use(first.need, first.label, use.line, use.col, use.label))
        out.sort(key=lambda u: (u.line, u.col))
        if cached:
            self._deep_cache[key] = out
        return out

    def _is_entry_point(self, fn: ast.AST) -> bool:
        """Factories, tasks, jobs and commands have rules of their own; calls don't enter them."""
        if self._is_factory(fn):
            return True
        return any(self._decorator_kind(d) for d in fn.decorator_list)

    # -- rules -------------------------------------------------------------------------------

    def run(self) -> None:
        self._rule_module_level()
        self._rule_factories()
        for call, _ in self._calls:
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in _SPAWN_NAMES or name in self.thread_ctors or name in self.spawners:
                self._rule_spawn(call)
            elif name == "add_job":
                self._rule_add_job(call)
            elif name == "connect":
                self._rule_signal_connect(call)
        for fn in self._functions_all:
            if fn.decorator_list:
                self._rule_decorated(fn)
        self._rule_streaming()
        if self.arg_handlers:
            self._rule_argparse()

    def _add(self, code: str, line: int, col: int, message: str) -> None:
        self.findings.append(ScanFinding(self.path, line, col + 1, code, message))

    @staticmethod
    def _more(uses: list[_Use]) -> str:
        extra = len(uses) - 1
        return f" (and {extra} more)" if extra > 0 else ""

    def _rule_module_level(self) -> None:
        main_blocks: list[ast.If] = []
        body: list[ast.stmt] = []
        for stmt in self.tree.body:
            if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
                main_blocks.append(stmt)
            else:
                body.append(stmt)
        for use in self._deep_module(body):
            if not self._setup_call(use):
                self._add(
                    "CTX104",
                    use.line,
                    use.col,
                    f"{use.describe()} runs when the module is imported, before any context exists",
                )
        for block in main_blocks:
            for use in self._deep_module(block.body):
                if not self._setup_call(use):
                    self._add(
                        "CTX110",
                        use.line,
                        use.col,
                        f"{use.describe()} is used by the script entry point with no app "
                        "context pushed",
                    )

    def _setup_call(self, use: _Use) -> bool:
        """Module-level db.create_all() and friends are setup work: reported as app-setup."""
        if use.via is None and use.label.rsplit(".", 1)[-1] in _SETUP_ATTRS:
            self._add(
                "CTX105",
                use.line,
                use.col,
                f"`{use.label}()` runs at the top of a script or module with no app context; "
                "wrap the setup in `with app.app_context():`",
            )
            return True
        return False

    def _deep_module(self, stmts: list[ast.stmt]) -> list[_Use]:
        shell = ast.Module(body=stmts, type_ignores=[])
        self._shells.append(shell)  # the caches are keyed by id(); keep the shell alive
        return self._deep_uses(shell)

    def _is_factory(self, fn: ast.AST) -> bool:
        return id(fn) in self._factories

    def _rule_factories(self) -> None:
        for node in self._functions_all:
            if self._is_factory(node):
                for use in self._deep_uses(node):
                    self._add(
                        "CTX105",
                        use.line,
                        use.col,
                        f"{use.describe()} in app factory `{node.name}` needs "
                        "`with app.app_context():` around it",
                    )

    def _enclosing(self, call: ast.Call) -> Optional[ast.AST]:
        return self._parents.get(id(call))

    def _spawn_parts(self, call: ast.Call) -> Optional[tuple[str, ast.expr, list[ast.expr]]]:
        """If ``call`` starts code elsewhere, return (what, target expression, arguments)."""
        func = call.func
        name = _tail(func)
        args = list(call.args)
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        extra = [k.value for k in call.keywords if k.arg not in ("target", "daemon", "name")]
        is_thread = (isinstance(func, ast.Name) and func.id in self.thread_ctors) or (
            isinstance(func, ast.Attribute)
            and name in ("Thread", "Timer")
            and _tail(func.value) in self.threading_mods
        )
        if is_thread:
            if name == "Timer" or (isinstance(func, ast.Name) and func.id.endswith("Timer")):
                target = kw.get("function") or (args[1] if len(args) > 1 else None)
            else:
                target = kw.get("target") or (args[1] if len(args) > 1 else None)
            if target is None:
                return None
            return "thread", target, [*args[2:], *extra]
        if name == "start_background_task":
            target = kw.get("target") or (args[0] if args else None)
            return ("background task", target, [*args[1:], *extra]) if target else None
        spawner = (isinstance(func, ast.Name) and func.id in self.spawners) or (
            isinstance(func, ast.Attribute)
            and _tail(func.value) in ("gevent", "eventlet", "_thread")
            and name in ("spawn", "spawn_n", "spawn_later", "start_new_thread", "Greenlet")
        )
        if spawner:
            pos = 1 if name == "spawn_later" else 0
            if len(args) <= pos:
                return None
            return "greenlet" if "spawn" in (name or "") else "thread", args[pos], args[pos + 1 :]
        if isinstance(func, ast.Attribute) and name in ("submit", "map", "apply_async"):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id in self.executors and args:
                return "pool", args[0], [*args[1:], *extra]
        if name == "run_in_executor" and len(args) > 1:
            return "executor", args[1], args[2:]
        return None

    def _resolve_target(
        self, target: ast.expr, scope: Optional[ast.AST], args: list[ast.expr]
    ) -> Optional[tuple[ast.AST, str]]:
        """The function a target runs; None when it carries a context along or is unknown."""
        while isinstance(target, ast.Call):
            fname = _tail(target.func)
            if fname in self.wrappers_copy:
                return None
            if fname in self.partial_names and target.args:
                args.extend(target.args[1:])
                args.extend(k.value for k in target.keywords)
                target = target.args[0]
                continue
            return None
        if isinstance(target, ast.Attribute):
            # contextvars.copy_context().run and friends carry the caller's context along.
            return None
        if isinstance(target, ast.Lambda):
            if scope is not None:
                self._lambda_scope[id(target)] = scope
            return target, "<lambda>"
        if isinstance(target, ast.Name):
            if scope is not None and target.id in self._locals(scope):
                if target.id not in self.nested.get(id(scope), {}):
                    return None
            fn = self._lookup_function(target.id, scope)
            if fn is None:
                return None
            if any(_tail(d) in self.wrappers_copy for d in fn.decorator_list):
                return None
            return fn, target.id
        return None

    def _rule_spawn(self, call: ast.Call) -> None:
        parts = self._spawn_parts(call)
        if parts is None:
            return
        what, target, args = parts
        scope = self._enclosing(call)
        local = self._locals(scope) if scope is not None else set()
        resolved = self._resolve_target(target, scope, args)
        for node in _elements(args):
            hit = self._classify(node, local)
            if hit is None:
                continue
            need, label = hit
            if label.endswith("current_app"):
                self._add(
                    "CTX102",
                    node.lineno,
                    node.col_offset,
                    f"the `{label}` proxy is handed to a {what}; pass "
                    "`current_app._get_current_object()` instead",
                )
                return
            if label.split(".")[-1] in ("request", "session"):
                self._add(
                    "CTX103",
                    node.lineno,
                    node.col_offset,
                    f"the `{label}` proxy is handed to a {what}, where it is unbound; pass "
                    "the values it needs instead",
                )
                return
        if resolved is None:
            return
        fn, name = resolved
        uses = self._deep_uses(fn)
        if not uses:
            return
        request_uses = [u for u in uses if u.need == _REQUEST]
        first = request_uses[0] if request_uses else uses[0]
        if request_uses:
            self._add(
                "CTX103",
                call.lineno,
                call.col_offset,
                f"{what} target `{name}` reads {first.describe()} (line {first.line}) with no "
                "request context; wrap it in `copy_current_request_context`",
            )
        else:
            self._add(
                "CTX101",
                call.lineno,
                call.col_offset,
                f"{what} target `{name}` uses {first.describe()} (line {first.line}) with no app "
                "context; push `app.app_context()` inside it",
            )

    def _is_celery_signal(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.celery_signals
        if isinstance(node, ast.Attribute):
            owner = _dotted_tail(node.value)
            return owner in self.celery_signal_mods or owner == "celery.signals"
        return False

    def _rule_signal_connect(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and self._is_celery_signal(func.value)):
            return
        target = call.args[0] if call.args else _kwarg(call, "receiver")
        if target is None:
            return
        resolved = self._resolve_target(target, self._enclosing(call), [])
        if resolved is None:
            return
        fn, name = resolved
        uses = self._deep_uses(fn)
        if uses:
            self._add(
                "CTX112",
                call.lineno,
                call.col_offset,
                f"Celery signal handler `{name}` uses {uses[0].describe()} (line "
                f"{uses[0].line}); signal handlers run outside the task's app context, so "
                "push `app.app_context()` inside it",
            )

    def _rule_add_job(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "add_job"):
            return
        owner = _tail(func.value)
        if owner not in self.schedulers:
            return
        target = _kwarg(call, "func")
        if target is None and call.args:
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                target = call.args[1] if len(call.args) > 1 else None
            else:
                target = first
        if target is None:
            return
        scope = self._enclosing(call)
        resolved = self._resolve_target(target, scope, [])
        if resolved is None:
            return
        fn, name = resolved
        uses = self._deep_uses(fn)
        if uses:
            self._add(
                "CTX107",
                call.lineno,
                call.col_offset,
                f"scheduled job `{name}` uses {uses[0].describe()} (line {uses[0].line}) with no "
                "context; wrap its body in `with scheduler.app.app_context():`",
            )

    def _rule_decorated(self, fn: ast.AST) -> None:
        decos = fn.decorator_list
        if not decos:
            return
        kinds = [self._decorator_kind(d) for d in decos]
        if "appcontext" in kinds:
            return
        if "job" in kinds:
            uses = self._deep_uses(fn)
            if uses:
                u = uses[0]
                self._add(
                    "CTX107",
                    u.line,
                    u.col,
                    f"scheduled job `{fn.name}` uses {u.describe()} with no context; wrap its "
                    f"body in `with scheduler.app.app_context():`{self._more(uses)}",
                )
        elif "celery-signal" in kinds:
            uses = self._deep_uses(fn)
            if uses:
                u = uses[0]
                self._add(
                    "CTX112",
                    u.line,
                    u.col,
                    f"Celery signal handler `{fn.name}` uses {u.describe()}; signal handlers "
                    "run outside the task's app context, so push `app.app_context()` inside "
                    f"it{self._more(uses)}",
                )
        elif "celery" in kinds:
            self._celery_task(fn, decos[kinds.index("celery")])
        elif "plain-command" in kinds:
            uses = self._deep_uses(fn)
            if uses:
                u = uses[0]
                names = [fn.name]
                for d in decos:
                    target = d.func if isinstance(d, ast.Call) else d
                    if isinstance(target, ast.Attribute):
                        owner = _tail(target.value)
                        if owner:
                            names.append(owner)
                self.deferred.append(
                    _Deferred(
                        "click",
                        self.path,
                        u.line,
                        u.col,
                        tuple(names),
                        f"click command `{fn.name}` uses {u.describe()} but runs outside the "
                        "flask CLI, with no app context; add `@with_appcontext` or push "
                        f"`app.app_context()`{self._more(uses)}",
                    )
                )

    def _decorator_kind(self, deco: ast.expr) -> Optional[str]:
        call = deco if isinstance(deco, ast.Call) else None
        target = deco.func if call is not None else deco
        name = _tail(target)
        if name in self.appcontext_decorators or name == "with_appcontext":
            return "appcontext"
        owner = target.value if isinstance(target, ast.Attribute) else None
        owner_name = _tail(owner) if owner is not None else None
        if name == "connect" and owner is not None and self._is_celery_signal(owner):
            return "celery-signal"
        if name == "scheduled_job" and owner_name in self.schedulers | {"scheduler", "sched"}:
            return "job"
        if name == "task" and owner_name is not None:
            first = call.args[0] if call is not None and call.args else None
            if isinstance(first, ast.Constant) and first.value in _TRIGGERS:
                return "job"
            if owner_name in self.schedulers:
                return "job"
            if owner_name in self.celery_names:
                return "celery"
            return None
        if isinstance(target, ast.Name) and target.id in self.shared_task:
            return "celery"
        if name == "shared_task" and owner_name == "celery":
            return "celery"
        is_click = (isinstance(target, ast.Name) and target.id in self.click_command) or (
            name == "command" and owner_name in self.click_mods
        )
        if is_click:
            if call is not None and _kwarg(call, "cls") is not None:
                return None
            return "plain-command"
        if name == "command" and isinstance(owner, ast.Name) and owner.id in self.plain_groups:
            return "plain-command"
        return None

    def _celery_task(self, fn: ast.AST, deco: ast.expr) -> None:
        uses = self._deep_uses(fn)
        if not uses:
            return
        call = deco if isinstance(deco, ast.Call) else None
        target = deco.func if call is not None else deco
        instance = _tail(target.value) if isinstance(target, ast.Attribute) else None
        if instance == "celery" and _tail(target) == "shared_task":
            instance = None
        base = _kwarg(call, "base") if call is not None else None
        u = uses[0]
        req = [x for x in uses if x.need == _REQUEST]
        r = req[0] if req else None
        self.deferred.append(
            _Deferred(
                "celery",
                self.path,
                u.line,
                u.col,
                (fn.name,),
                f"Celery task `{fn.name}` uses {u.describe()}, and its Celery app pushes no app "
                "context; use a Flask-aware task class (`celery_init_app`, "
                f"`task_cls=FlaskTask`){self._more(uses)}",
                r.line if r else 0,
                r.col if r else 0,
                (
                    f"Celery task `{fn.name}` reads {r.describe()}; a task never has a request, "
                    "so pass the values it needs as arguments"
                )
                if r
                else "",
                instance,
                _tail(base) if base is not None else None,
            )
        )

    def _rule_argparse(self) -> None:
        """``args.func(args)`` runs a sub-command handler; flag it if it runs with no context."""
        for fn in self._functions_all:
            for use in self._uses(fn):
                if use.label != _DISPATCH:
                    continue
                for name, registered in self.arg_handlers.items():
                    handler = self._lookup_function(name, fn)
                    if handler is None:
                        continue
                    found = self._deep_uses(handler, -use.need)
                    if found:
                        self._add(
                            "CTX108",
                            use.line,
                            use.col,
                            f"argparse command `{name}` (line {registered.lineno}) uses "
                            f"{found[0].describe()} (line {found[0].line}), and this dispatch "
                            "runs it with no app context; push `app.app_context()` around it",
                        )
                        break

    def _is_view(self, fn: ast.AST) -> bool:
        return any(
            _tail(d.func if isinstance(d, ast.Call) else d) in _ROUTE_DECORATORS
            for d in fn.decorator_list
        )

    def _streams(self, fn: ast.AST) -> bool:
        return any(_tail(d) in self.wrappers_stream for d in fn.decorator_list)

    def _rule_streaming(self) -> None:
        handed: list[tuple[ast.Call, ast.AST]] = []
        for node, owner in self._returns:
            if not self._is_view(owner):
                continue
            value = node.value
            if isinstance(value, ast.Tuple) and value.elts:
                value = value.elts[0]
            if isinstance(value, ast.Call):
                handed.append((value, owner))
        for call, owner in self._calls:
            func = call.func
            if owner is None or not call.args or not isinstance(call.args[0], ast.Call):
                continue
            if (
                (isinstance(func, ast.Name) and func.id in self.response_names)
                or (isinstance(func, ast.Attribute) and func.attr == "response_class")
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "Response"
                    and _tail(func.value) in self.flask_modules
                )
            ):
                handed.append((call.args[0], owner))
        for node, owner in handed:
            if not isinstance(node.func, ast.Name):
                continue
            gen = self._lookup_function(node.func.id, owner)
            if gen is None or id(gen) not in self._generators or self._streams(gen):
                continue
            uses = self._deep_uses(gen)
            if uses:
                u = uses[0]
                self._add(
                    "CTX109",
                    node.lineno,
                    node.col_offset,
                    f"generator `{gen.name}` uses {u.describe()} (line {u.line}) while the "
                    "response streams, after the request context is gone; wrap it in "
                    "`stream_with_context`",
                )
        for fn in self._functions_all:
            if id(fn) not in self._generators or self._streams(fn) or not self._is_view(fn):
                continue
            uses = self._deep_uses(fn)
            if uses:
                u = uses[0]
                self._add(
                    "CTX109",
                    u.line,
                    u.col,
                    f"view `{fn.name}` is a generator, so {u.describe()} is read while the "
                    "response streams, after the request context is gone; decorate it with "
                    f"`@stream_with_context`{self._more(uses)}",
                )


# ---------------------------------------------------------------------------------------------
# Files, ignores, and the whole project


def _ignored_lines(lines: list[str]) -> dict[int, Optional[set[str]]]:
    out: dict[int, Optional[set[str]]] = {}
    for i, text in enumerate(lines, 1):
        if "ctxfix:" not in text:
            continue
        m = _IGNORE.search(text)
        if m:
            codes = m.group(1)
            out[i] = None if codes is None else {c.strip().upper() for c in codes.split(",") if c}
    return out


def _suppressed(line: int, code: str, ignores: dict[int, Optional[set[str]]]) -> bool:
    if line not in ignores:
        return False
    codes = ignores[line]
    return codes is None or code in codes


@dataclass
class _FileResult:
    findings: list[ScanFinding]
    deferred: list[_Deferred]
    facts: _Facts
    ignores: dict[int, Optional[set[str]]]
    error: Optional[ScanError] = None


def _analyze(source: str, path: str, skim: bool = False) -> _FileResult:
    if skim and not _RELEVANT.search(source):
        return _FileResult([], [], _Facts(), {})
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        err = ScanError(path, exc.lineno or 1, (exc.offset or 0) or 1, f"syntax error: {exc.msg}")
        return _FileResult([], [], _Facts(), {}, err)
    except ValueError as exc:  # source holding NUL bytes
        return _FileResult([], [], _Facts(), {}, ScanError(path, 1, 1, f"cannot parse: {exc}"))
    lines = source.splitlines()
    try:
        mod = _Module(tree, path, lines)
        mod.run()
    except (RecursionError, MemoryError) as exc:
        return _FileResult(
            [], [], _Facts(), {}, ScanError(path, 1, 1, f"too complex to scan: {exc}")
        )
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        msg = f"ctxfix could not analyse this file ({type(exc).__name__}: {exc}); please report it"
        return _FileResult([], [], _Facts(), {}, ScanError(path, 1, 1, msg))
    return _FileResult(mod.findings, mod.deferred, mod.facts, _ignored_lines(lines))


def _settle(deferred: _Deferred, facts: _Facts) -> Iterator[ScanFinding]:
    if deferred.kind == "click":
        registered = facts.cli_registered
        if "*" not in registered and not registered.intersection(deferred.names):
            yield ScanFinding(
                deferred.path, deferred.line, deferred.col + 1, "CTX108", deferred.message
            )
        return
    aware: Optional[bool]
    if deferred.base is not None:
        aware = _class_aware(deferred.base, facts)
    elif deferred.instance is not None and deferred.instance in facts.celery_instances:
        aware = facts.celery_instances[deferred.instance]
    elif deferred.instance is None and facts.celery_seen:
        aware = facts.celery_aware_any
    else:
        aware = None
    if aware is False:
        yield ScanFinding(
            deferred.path, deferred.line, deferred.col + 1, "CTX106", deferred.message
        )
    elif deferred.request_message:
        yield ScanFinding(
            deferred.path,
            deferred.request_line,
            deferred.request_col + 1,
            "CTX111",
            deferred.request_message,
        )


_PLAIN_BASES = {"Task", "object"}


def _class_aware(name: str, facts: _Facts, depth: int = 0) -> Optional[bool]:
    """Does this task class push an app context? None when the answer is out of sight."""
    if name in facts.aware_classes:
        return True
    if name in _PLAIN_BASES:
        return False
    if name not in facts.classes or depth > 10:
        return None
    verdicts = [_class_aware(b, facts, depth + 1) for b in facts.classes[name]]
    if True in verdicts:
        return True
    return None if None in verdicts else False
