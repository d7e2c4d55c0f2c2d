"""The project: every module's model together, names resolved across modules, and the call graph.

A rule asks the project three kinds of question: what a qualified name is (:meth:`Project.value`),
which uses of a context a function makes that nothing pushed for, following its calls into the
project's other functions (:meth:`Project.needs`), and where code starts running on its own (the
entry points: threads, tasks, jobs, commands, factories, module top levels, ...).
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Optional

from . import catalog
from .findings import ScanFinding
from .model import (
    APP,
    CALL,
    CALLED,
    CALLED_WITH_ARGS,
    NONE,
    READ,
    REQUEST,
    Function,
    Klass,
    Module,
    Ref,
    Site,
    Target,
    _canon,
)

_MARKERS = (CALLED, CALLED_WITH_ARGS)


class Use(NamedTuple):
    """A use of a context that is not there: ``need`` is "app", "request" or "server_name"."""

    need: str
    label: str
    line: int
    col: int
    via: tuple[str, ...]
    where: tuple[str, int, int]  # the file, line and column of the innermost use

    def describe(self) -> str:
        if self.via:
            return f"`{self.label}` (through `{self.via[0]}()`)"
        return f"`{self.label}`"

    def at(self, path: str) -> str:
        """Where the innermost use is, for a message written in ``path``."""
        file, line, _ = self.where
        return f"line {line}" if file == path else f"{file}:{line}"


class Entry(NamedTuple):
    """Code that starts running on its own: ``fn`` runs at ``level`` when ``kind`` starts it."""

    kind: str
    fn: Function
    level: int
    module: Module
    line: int
    col: int
    name: str
    detail: dict


# A value: what a qualified name or a chain is.
#   ("ext", qualname)  a name from outside the project
#   ("mod", Module)  ("fn", Function)  ("cls", Klass)  ("obj", Klass) an instance of a project class
#   ("inst", kind) an instance of a catalog kind      ("member", kind, name)
Value = Optional[tuple]


class Project:
    def __init__(self, modules: list[Module]) -> None:
        self.modules: dict[str, Module] = {}
        for m in modules:
            self.modules.setdefault(m.name, m)
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Klass] = {}
        self.owner: dict[str, Module] = {}
        for m in self.modules.values():
            for q, f in m.functions.items():
                self.functions.setdefault(q, f)
                self.owner.setdefault(q, m)
            for q, k in m.classes.items():
                self.classes.setdefault(q, k)
            self.owner[m.top.qualname] = m
            if m.main is not None:
                self.owner[m.main.qualname] = m
        # The project's modules that another of its modules imports (anywhere in it).
        self.imported_modules = {
            mod
            for m in self.modules.values()
            for fn in (m.top, *m.functions.values(), *([m.main] if m.main else []))
            for mod, _, _ in fn.imports
            if mod in self.modules and mod != m.name
        }
        # SERVER_NAME set anywhere counts for the whole project, but in a script nothing imports
        # (a cron job's `app.config["SERVER_NAME"] = ...`): that holds in its own process only
        # (CTX114 leaves the script's own entry points alone).
        self.server_name = any(
            m.server_name and (m.main is None or m.name in self.imported_modules)
            for m in self.modules.values()
        )
        self.by_path = {m.path: m for m in self.modules.values()}
        self._values: dict[str, Value] = {}
        self._attributes: dict[tuple[str, str], Value] = {}
        self._direct: dict[str, tuple[list, list]] = {}
        self._needs: dict[tuple[str, int], list[Use]] = {}
        self._active: set[tuple[str, int]] = set()
        self._entries: Optional[list[Entry]] = None
        self._not_followed: Optional[set[str]] = None
        self._decorator_needs: dict[str, Optional[int]] = {}
        self._factories: dict[str, bool] = {}
        self._decorated: dict[str, int] = {}
        self._views: Optional[set[str]] = None
        self._mro: dict[str, list[Klass]] = {}
        self._inits: Optional[dict[str, list[tuple[tuple, tuple]]]] = None
        self._ext_bases: dict[str, frozenset[str]] = {}
        self.imported_names = {
            q
            for m in self.modules.values()
            for b in m.bindings.values()
            if b[0] == "import"
            for q in (b[1],)
        }

    # -- names -------------------------------------------------------------------------------

    def value(self, qual: str, depth: int = 0) -> Value:
        """What a qualified name is."""
        got = self._values.get(qual, False)
        if got is not False:
            return got
        self._values[qual] = None  # a cycle of re-exports resolves to nothing
        found = self._value(qual, depth)
        self._values[qual] = found
        return found

    def _value(self, qual: str, depth: int) -> Value:
        if depth > 40:
            return None
        if qual.startswith("self:"):
            k = self.classes.get(qual[5:])
            return ("obj", k) if k is not None else None
        mod = self.modules.get(qual)
        if mod is not None:
            return ("mod", mod)
        fn = self.functions.get(qual)
        if fn is not None:
            return ("fn", fn)
        k = self.classes.get(qual)
        if k is not None:
            return ("cls", k)
        head, _, name = qual.rpartition(".")
        if not head:
            return ("ext", qual)
        owner = self.modules.get(head)
        if owner is not None:
            binding = owner.bindings.get(name)
            if binding is None:
                return None
            kind = binding[0]
            if kind == "import":
                return self.value(binding[1], depth + 1)
            if kind == "value":
                return self.target_value(binding[1], depth + 1)
            return None
        base = self.value(head, depth + 1)
        if base is None:
            return None
        if base[0] == "ext":
            return ("ext", _canon(qual))
        return self.step(base, name, depth + 1)

    def target_value(self, target: Target, depth: int = 0) -> Value:
        if target is None or depth > 40:
            return None
        kind = target[0]
        if kind == "chain":
            value = self.value(target[1], depth + 1)
            for attr in target[2]:
                if value is None:
                    return None
                value = self.step(value, attr, depth + 1)
            return value
        if kind == "call":
            func = self.target_value(target[1], depth + 1)
            if func is None:
                return None
            marker = CALLED_WITH_ARGS if (target[2] or target[3]) else CALLED
            return self.step(func, marker, depth + 1)
        if kind == "param":
            return self._argument(target[1], target[2], depth + 1)
        return None

    def _argument(self, qualname: str, name: str, depth: int) -> Value:
        """What the project passes for parameter ``name`` of a class's ``__init__`` where it
        makes the class (``AuditWriter(self.audit, queue)``): the first argument known."""
        fn = self.functions.get(qualname)
        if fn is None or fn.name != "__init__" or fn.cls is None or name not in fn.params:
            return None
        position = fn.params.index(name) - 1  # after self
        for args, kwargs in self._constructions().get(fn.cls, ()):
            given = next((v for k, v in kwargs if k == name), None)
            if given is None and 0 <= position < len(args):
                given = args[position]
            got = self.target_value(given, depth + 1)
            if got is not None:
                return got
        return None

    def _constructions(self) -> dict[str, list[tuple[tuple, tuple]]]:
        """The arguments each project class is made with, by class."""
        if self._inits is None:
            self._inits = {}
            for m in self.modules.values():
                for fn in (m.top, *m.functions.values(), *([m.main] if m.main else [])):
                    for func, args, kwargs in fn.inits:
                        made = self.target_value(func)
                        if made is not None and made[0] == "cls":
                            self._inits.setdefault(made[1].qualname, []).append((args, kwargs))
        return self._inits

    def step(self, value: Value, attr: str, depth: int = 0) -> Value:
        """The value of ``value.attr`` (or of calling it, when ``attr`` is a call marker)."""
        if value is None or depth > 40:
            return None
        kind = value[0]
        called = attr in _MARKERS
        if kind == "ext":
            q = value[1]
            if called:
                made = catalog.CONSTRUCTORS.get(q)
                if made is None:
                    return ("ext", q + "()")
                if made in catalog.KEEPS_APP and attr == CALLED:
                    made += ":lazy"
                return ("inst", made)
            return ("ext", _canon(f"{q}.{attr}"))
        if kind == "mod":
            return self.value(f"{value[1].name}.{attr}", depth + 1)
        if kind == "fn":
            if called:
                return self.returned(value[1], depth + 1)
            return None
        if kind == "cls":
            if called:
                # A project subclass of a catalog class (`class DB(SQLAlchemy)`) makes its kind.
                for base in self.ext_bases(value[1]):
                    made = catalog.CONSTRUCTORS.get(base)
                    if made is not None:
                        return ("inst", made)
                return ("obj", value[1])
            method = self.method(value[1], attr)
            if method is not None:
                return ("fn", method)
            inner = self.classes.get(f"{value[1].qualname}.{attr}")
            return ("cls", inner) if inner is not None else None
        if kind == "obj":
            if called:
                return None
            method = self.method(value[1], attr)
            if method is not None:
                return ("fn", method)
            return self.attribute_type(value[1], attr, depth + 1)
        if kind == "inst":
            if called:
                return None
            return ("member", value[1], attr)
        return None

    def returned(self, fn: Function, depth: int = 0) -> Value:
        for target, _, _ in fn.returns:
            got = self.target_value(target, depth + 1)
            if got is not None:
                return got
        return None

    def bases(self, k: Klass, depth: int = 0) -> Iterator[Value]:
        for b in k.bases:
            yield self.target_value(b, depth + 1)

    def mro(self, k: Klass) -> list[Klass]:
        """``k`` and the project classes it derives from, nearest first (worked out once: the
        rules ask for it for every method lookup)."""
        got = self._mro.get(k.qualname)
        if got is not None:
            return got
        got = []
        seen: set[str] = set()
        stack = [k]
        while stack and len(seen) < 50:
            cur = stack.pop(0)
            if cur.qualname in seen:
                continue
            seen.add(cur.qualname)
            got.append(cur)
            for b in self.bases(cur):
                if b is not None and b[0] == "cls":
                    stack.append(b[1])
        self._mro[k.qualname] = got
        return got

    def method(self, k: Klass, name: str) -> Optional[Function]:
        for cur in self.mro(k):
            q = cur.methods.get(name)
            if q is not None:
                return self.functions.get(q)
        return None

    def attribute_type(self, k: Klass, name: str, depth: int = 0) -> Value:
        """What ``self.<name>`` is, from ``self.<name> = ...`` in the class's methods."""
        key = (k.qualname, name)
        got = self._attributes.get(key, False)
        if got is not False:
            return got
        # While it is worked out, `self.cmd = self.cmd.replace(...)` finds nothing in itself:
        # followed again, four such lines made 4**40 steps (pgadmin4's PasswordExec).
        self._attributes[key] = None
        got = self._attribute_type(k, name, depth)
        self._attributes[key] = got
        return got

    def _attribute_type(self, k: Klass, name: str, depth: int) -> Value:
        for cur in self.mro(k):
            for q in cur.methods.values():
                fn = self.functions.get(q)
                if fn is None:
                    continue
                for root, attrs, value, _ in fn.attr_assigns:
                    if root == f"self:{cur.qualname}" and attrs == (name,):
                        got = self.target_value(value, depth + 1)
                        if got is not None:
                            return got
        return None

    def ext_bases(self, k: Klass) -> frozenset[str]:
        """Qualified names of the classes from outside the project that ``k`` derives from."""
        got = self._ext_bases.get(k.qualname)
        if got is None:
            got = self._ext_bases[k.qualname] = frozenset(self._find_ext_bases(k))
        return got

    def _find_ext_bases(self, k: Klass) -> set[str]:
        out: set[str] = set()
        for cur in self.mro(k):
            for b in self.bases(cur):
                if b is not None and b[0] == "ext":
                    out.add(b[1])
                elif b is not None and b[0] == "member":
                    out.add(f"<{b[1]}>.{b[2]}")
        return out

    def is_model(self, k: Klass) -> bool:
        return any(b == f"<sqlalchemy>.{catalog.MODEL_BASE_ATTR}" for b in self.ext_bases(k))

    # -- uses --------------------------------------------------------------------------------

    def direct(self, fn: Function) -> tuple[list, list]:
        """A function's own uses ``(level, label, line, col, site_level, conds)`` and its calls
        into the project ``(callee, line, col, site_level, falsy)``."""
        got = self._direct.get(fn.qualname)
        if got is not None:
            return got
        uses: list[tuple] = []
        calls: list[tuple] = []
        for ref in fn.refs:
            self._evaluate(ref, uses, calls)
        got = (uses, calls)
        self._direct[fn.qualname] = got
        return got

    def _evaluate(self, ref: Ref, uses: list, calls: list) -> None:
        value = self.value(ref.root)
        if value is None:
            return
        attrs = ref.attrs
        n = len(attrs)
        mode = ref.mode
        # A local that holds a call's result (`rows = User.query.all()`) was evaluated where it
        # was assigned: what comes before its last call is not used again here.
        floor = -1
        for j in range(ref.skip):
            if attrs[j] in _MARKERS:
                floor = j
        i = 0
        while True:
            nxt = attrs[i] if i < n else None
            if i <= floor:
                value = self.step(value, nxt)
                if value is None:
                    return
                i += 1
                continue
            kind = value[0]
            need = None
            if kind == "ext":
                need = catalog.NAMES.get(value[1])
            elif kind == "member":
                need = catalog.MEMBERS.get((value[1], value[2]))
            elif (
                kind == "cls"
                and nxt == catalog.MODEL_QUERY
                and not (i + 1 < n and attrs[i + 1] in _MARKERS)
                and not (i + 1 == n and mode == CALL)
                and self.is_model(value[1])
            ):
                # `Model.query(...)` is another ORM's method; Flask-SQLAlchemy's is a property.
                uses.append((APP, _label(ref, i + 1), ref.line, ref.col, ref.level, ref.conds))
                return
            elif kind == "fn":
                if nxt in _MARKERS or (nxt is None and mode == CALL):
                    callee = value[1]
                    calls.append((callee, ref.line, ref.col, ref.level, ref.falsy, ref.given))
                    extra = self.decorator_need(callee)
                    if extra is not None:
                        uses.append(
                            (extra, _label(ref, i), ref.line, ref.col, ref.level, ref.conds)
                        )
            if need is not None:
                how = need.how
                if (
                    how == catalog.READ
                    or (how == catalog.PROXY and (nxt is not None or mode in (READ, CALL)))
                    or (how == catalog.CALL and (nxt in _MARKERS or (nxt is None and mode == CALL)))
                ):
                    level = need.level
                    if kind == "ext" and value[1] == catalog.URL_FOR and not self.server_name:
                        level = REQUEST
                    uses.append((level, _label(ref, i), ref.line, ref.col, ref.level, ref.conds))
                    return
            if nxt is None:
                return
            value = self.step(value, nxt)
            if value is None:
                return
            i += 1

    def decorated_level(self, fn: Function) -> int:
        """The context a decorator of the project pushes around ``fn`` (a wrapper that runs it
        inside ``with app.app_context():``)."""
        got = self._decorated.get(fn.qualname)
        if got is None:
            got = 0
            for _, deco, _ in self.decorator_values(fn):
                # `@in_app_context` or `@with_context_of(app)`: the decorator, or a factory,
                # and the wrappers defined inside it.
                if deco is None or deco[0] != "fn":
                    continue
                for inner in (deco[1], *self._defined_in(deco[1].qualname)):
                    got = max(got, inner.pushes)
            self._decorated[fn.qualname] = got
        return got

    def _defined_in(self, qualname: str) -> list[Function]:
        prefix = qualname + "."
        owner = self.owner.get(qualname)
        if owner is None:
            return []
        return [f for q, f in owner.functions.items() if q.startswith(prefix)]

    def decorator_need(self, fn: Function) -> Optional[int]:
        """A context needed just to call ``fn``, because of its decorator (``@cache.memoize``)."""
        key = fn.qualname
        if key not in self._decorator_needs:
            self._decorator_needs[key] = self._decorator_need(fn)
        return self._decorator_needs[key]

    def _decorator_need(self, fn: Function) -> Optional[int]:
        for d in fn.decorators:
            func = d[1] if d is not None and d[0] == "call" else d
            if func is None or func[0] != "chain" or not func[2]:
                continue
            owner = self.target_value(("chain", func[1], func[2][:-1]))
            if owner is not None and owner[0] == "inst":
                member = catalog.NEEDY_DECORATORS.get((owner[1], func[2][-1]))
                if member is not None:
                    return member.level
        return None

    def not_followed(self) -> set[str]:
        """Functions that calls do not enter: they are entry points with a rule of their own."""
        if self._not_followed is None:
            out: set[str] = set()
            for e in self.entries():
                # A decorated task, job or command (not a function some call hands to a pool).
                if e.kind in ("factory", "celery-task", "job", "queue-job", "command") and (
                    "site" not in e.detail
                ):
                    out.add(e.fn.qualname)
            for fn in self.functions.values():
                if self.carries_context(fn) or self.app_context_decorated(fn):
                    out.add(fn.qualname)
            self._not_followed = out
        return self._not_followed

    def needs(self, fn: Function, level: int = NONE, args: frozenset = frozenset()) -> list[Use]:
        """Uses in ``fn`` (and in the project functions it calls) that ``level`` does not cover,
        in source order. ``args`` says what the caller passes: "!p" for a false constant, "p"
        for anything else; code under ``if p:`` or ``p or ...`` then runs or not accordingly."""
        level = max(level, self.decorated_level(fn))
        key = (fn.qualname, level, args)
        got = self._needs.get(key)
        if got is not None:
            return got
        if key in self._active or len(self._active) > 200:
            return []  # a cycle, or a chain of calls too long to follow
        self._active.add(key)
        path = self.owner[fn.qualname].path if fn.qualname in self.owner else "?"
        out: list[Use] = []
        uses, calls = self.direct(fn)
        for required, label, line, col, site, conds in uses:
            have = max(level, site)
            if required > have and not (args and _ruled_out(conds, args)):
                kind = self._kind(required, label, have)
                out.append(Use(kind, label, line, col, (), (path, line, col)))
        skip = self.not_followed()
        for callee, line, col, site, falsy, given in calls:
            if callee is fn or callee.qualname in skip:
                continue
            have = max(level, site)
            if have >= REQUEST:
                continue
            inner = self.needs(callee, have, _passed(callee, falsy, given))
            if inner:
                first = inner[0]
                out.append(
                    Use(first.need, first.label, line, col, (callee.name, *first.via), first.where)
                )
        out.sort(key=lambda u: (u.line, u.col))
        self._active.discard(key)
        self._needs[key] = out
        return out

    @staticmethod
    def _kind(required: int, label: str, have: int) -> str:
        if required == REQUEST and have >= APP and label.rsplit(".", 1)[-1] == "url_for":
            return "server_name"
        if required == REQUEST and label.rsplit(".", 1)[-1] != "url_for":
            return "request"
        return "app"

    # -- what functions are --------------------------------------------------------------------

    def decorator_values(self, fn: Function) -> Iterator[tuple[Target, Value, Optional[tuple]]]:
        """Each decorator: its target, the value of what is applied, and the call if any."""
        for d in fn.decorators:
            if d is None:
                continue
            if d[0] == "call":
                yield d, self.target_value(d[1]), d
            else:
                yield d, self.target_value(d), None

    def carries_context(self, fn: Function) -> bool:
        """Decorated with copy_current_request_context or stream_with_context."""
        for _, value, _ in self.decorator_values(fn):
            if value is not None and value[0] == "ext" and value[1] in catalog.CARRY_REQUEST:
                return True
        return False

    def app_context_decorated(self, fn: Function) -> bool:
        for _, value, _ in self.decorator_values(fn):
            if (
                value is not None
                and value[0] == "ext"
                and value[1] in catalog.APP_CONTEXT_DECORATORS
            ):
                return True
        return False

    def is_view(self, fn: Function) -> bool:
        """A function Flask or Quart calls to handle a request (see :meth:`views`)."""
        return fn.qualname in self.views()

    def views(self) -> set[str]:
        """The view functions: decorated routes (``@app.route``, ``@bp.get``, ...), the
        ``view_func`` of ``add_url_rule(...)``, and the handler methods of ``View`` and
        ``MethodView`` classes."""
        if self._views is None:
            out: set[str] = set()
            for fn in self.functions.values():
                for d in fn.decorators:
                    func = d[1] if d is not None and d[0] == "call" else d
                    if func is None:
                        continue
                    tail = (
                        func[2][-1]
                        if func[0] == "chain" and func[2]
                        else (func[1] if func[0] == "attr" else None)
                    )
                    if tail in catalog.ROUTE_DECORATORS:
                        out.add(fn.qualname)
            for _m, _fn, site in self.sites():
                func = site.func
                tail = func[2][-1] if func and func[0] == "chain" and func[2] else None
                if func and func[0] == "attr":
                    tail = func[1]
                if tail == catalog.ADD_URL_RULE:
                    target = self.kwarg(site, "view_func")
                    if target is None and len(site.args) > 2:
                        target = site.args[2]
                    value = self.target_value(target)
                    if value is not None and value[0] == "fn":
                        out.add(value[1].qualname)
            for k in self.classes.values():
                if self.ext_bases(k) & catalog.VIEW_CLASSES:
                    for cur in self.mro(k):
                        for name, q in cur.methods.items():
                            if name in catalog.VIEW_METHODS:
                                out.add(q)
            self._views = out
        return self._views

    def is_factory(self, fn: Function) -> bool:
        """A function that builds the app: it calls ``Flask(...)`` or is named like a factory."""
        got = self._factories.get(fn.qualname)
        if got is None:
            got = fn.name in catalog.FACTORY_NAMES or any(
                ref.mode == CALL and not ref.attrs and self.is_app_class(ref.root)
                for ref in fn.refs
            )
            self._factories[fn.qualname] = got
        return got

    @staticmethod
    def uses_quart(module: Module) -> bool:
        """The module imports Quart, so the fix to suggest is Quart's."""
        return any(
            b[0] == "import" and b[1].split(".", 1)[0] == "quart" for b in module.bindings.values()
        )

    def is_app_class(self, qual: str) -> bool:
        """``Flask`` or ``Quart``, under whatever name the module imported it."""
        value = self.value(qual)
        return value is not None and value[0] == "ext" and value[1] in catalog.APP_CLASSES

    def function_target(self, target: Target) -> Optional[tuple[Function, str]]:
        """The project function a target names, unwrapping ``partial``; None when it carries a
        context along (``copy_current_request_context``, ``ctx.run``) or is unknown."""
        depth = 0
        while target is not None and target[0] == "call" and depth < 5:
            depth += 1
            func = self.target_value(target[1])
            if func is not None and func[0] == "ext" and func[1] == catalog.PARTIAL and target[2]:
                target = target[2][0]
                continue
            return None
        if target is None:
            return None
        if target[0] == "fn":
            fn = self.functions.get(target[1])
            return (fn, "<lambda>") if fn is not None else None
        if target[0] != "chain":
            return None
        value = self.target_value(target)
        if value is None or value[0] != "fn":
            return None
        fn = value[1]
        if self.carries_context(fn):
            return None
        name = target[2][-1] if target[2] else fn.name
        if target[2] and target[1].startswith("self:"):
            name = f"self.{target[2][-1]}"
        elif target[2]:
            name = ".".join(
                [target[1].rsplit(".", 1)[-1].split(":")[-1].rsplit(".", 1)[-1], *target[2]]
            )
        return fn, name

    # -- entry points --------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        if self._entries is None:
            from .entries import find_entries

            self._entries = list(find_entries(self))
        return self._entries

    def sites(self) -> Iterator[tuple[Module, Function, Site]]:
        for m in self.modules.values():
            for fn in (m.top, *([m.main] if m.main else []), *m.functions.values()):
                for site in fn.sites:
                    yield m, fn, site

    def kwarg(self, site: Site, name: str) -> Target:
        for k, v in site.kwargs:
            if k == name:
                return v
        return None

    @staticmethod
    def kwarg_target(call: tuple, name: str) -> Target:
        """A keyword argument of a call target ``("call", func, args, kwargs)``."""
        for k, v in call[3]:
            if k == name:
                return v
        return None

    @staticmethod
    def finding(code: str, module: Module, line: int, col: int, message: str) -> ScanFinding:
        """A finding at ``line`` and ``ast``'s ``col`` (UTF-8 bytes from 0) in ``module``."""
        return ScanFinding(module.path, line, module.char_col(line, col) + 1, code, message)

    def entry_uses(self, e: Entry) -> list[Use]:
        """What the code an entry starts uses without a context, in source order; a missing
        ``SERVER_NAME`` for ``url_for`` is CTX114's, not the entry's rule's."""
        return [u for u in self.needs(e.fn, e.level) if u.need != "server_name"]

    def entry_finding(
        self, code: str, e: Entry, uses: list[Use], head: str, tail: str
    ) -> ScanFinding:
        """One finding for an entry and the first of its ``uses``, reading ``head use tail``.

        An entry some call starts (``add_job(purge)``, ``queue.enqueue(job)``) is reported at
        that call, saying where the use is; a decorated one (``@scheduler.task``) at the use,
        counting the others."""
        u = uses[0]
        if "site" in e.detail:
            message = f"{head} {u.describe()} ({u.at(e.module.path)}){tail}"
            return self.finding(code, e.module, e.line, e.col, message)
        message = f"{head} {u.describe()}{tail}{more(uses)}"
        return self.finding(code, e.module, u.line, u.col, message)


def more(uses: list[Use]) -> str:
    """ " (and 2 more)" after the first of several uses."""
    extra = len(uses) - 1
    return f" (and {extra} more)" if extra > 0 else ""


def _passed(callee: Function, falsy: tuple, given: tuple) -> frozenset:
    """What a call passes, by parameter name: "!p" for a false constant, "p" for anything else."""
    if not falsy and not given:
        return frozenset()
    params = callee.params
    shift = 1 if callee.cls is not None and params and params[0] in ("self", "cls") else 0
    out = set()
    for keys, mark in ((falsy, "!"), (given, "")):
        for key in keys:
            if isinstance(key, int):
                if 0 <= key + shift < len(params):
                    out.add(mark + params[key + shift])
            else:
                out.add(mark + key)
    return frozenset(out)


def _ruled_out(conds: tuple, args: frozenset) -> bool:
    """Code that needs "p" (or "!p") cannot run when the caller passes the opposite."""
    for cond in conds:
        if cond.startswith("!"):
            if cond[1:] in args:
                return True
        elif f"!{cond}" in args:
            return True
    return False


def _label(ref: Ref, upto: int) -> str:
    parts = [ref.text, *(a for a in ref.attrs[ref.skip : upto] if a not in _MARKERS)]
    return ".".join(parts)


__all__ = ["Entry", "Project", "Use", "more"]
