"""Where code starts running on its own, and with which context: the project's entry points.

Each entry is a function and the context level it starts at: a thread target with none, a task of
a Flask-aware Celery app with an app context, a view-returned generator with none (it runs after
the request), a module's top level with none (or with an app context when the module is only
imported inside ``with app.app_context():``, or is an Alembic script run by ``flask db``).
"""

from __future__ import annotations

from typing import Iterator, Optional

from . import catalog
from .model import APP, CALL, CALLED, CALLED_WITH_ARGS, NONE, Function, Module, Ref, Site, Target
from .project import Entry, Project, Value


def find_entries(project: Project) -> Iterator[Entry]:
    others = list(_code_entries(project))
    levels = _module_levels(project, _worker_loaded(project, others))
    for m in project.modules.values():
        yield Entry("module", m.top, levels.get(m.name, NONE), m, 1, 0, m.name, {})
        if m.main is not None:
            yield Entry("main", m.main, NONE, m, m.main.line, 0, m.name, {})
    yield from others


def _code_entries(project: Project) -> Iterator[Entry]:
    """Every entry but the modules' top levels and ``__main__`` blocks."""
    celery = _CeleryFacts(project)
    commands = _Commands(project)
    queues = _QueueFacts(project)
    for m in project.modules.values():
        for fn in m.functions.values():
            if project.is_factory(fn):
                yield Entry("factory", fn, NONE, m, fn.line, fn.col, fn.name, {})
            if fn.decorators:
                yield from _decorated(project, m, fn, celery, commands, queues)
            if fn.generator and project.is_view(fn) and not project.carries_context(fn):
                yield Entry("stream-view", fn, NONE, m, fn.line, fn.col, fn.name, {})
            if fn.returns and project.is_view(fn):
                for target, line, col in fn.returns:
                    gen = _generator_call(project, target)
                    if gen is not None:
                        yield Entry("stream", gen, NONE, m, line, col, gen.name, {})
        for k in m.classes.values():
            if project.ext_bases(k) & catalog.THREAD_CLASSES:
                run = project.method(k, "run")
                if run is not None and run.cls == k.qualname:
                    yield Entry("thread-class", run, NONE, m, run.line, run.col, k.name, {})
    for m, fn, site in project.sites():
        yield from _site_entries(project, m, fn, site, queues)
    yield from _argparse(project)


def _argparse(project: Project) -> Iterator[Entry]:
    """``args.func(args)`` runs the handlers given to ``set_defaults(func=...)`` in the module."""
    for m in project.modules.values():
        handlers: list[tuple[Function, str]] = []
        dispatches: list[Site] = []
        for fn in (m.top, *m.functions.values(), *([m.main] if m.main else [])):
            for site in fn.sites:
                func = site.func
                tail = call_name(func)
                if tail == "set_defaults":
                    resolved = project.function_target(project.kwarg(site, "func"))
                    if resolved is not None:
                        handlers.append(resolved)
                elif tail == "func" and site.args:
                    dispatches.append(site)
        for site in dispatches:
            for handler, name in handlers:
                yield Entry("argparse", handler, site.level, m, site.line, site.col, name, {})


def call_name(func: Target) -> Optional[str]:
    """The last name of what a call calls: ``submit`` for ``pool.submit(...)``."""
    if func is None:
        return None
    if func[0] == "chain":
        return func[2][-1] if func[2] else func[1].rsplit(".", 1)[-1]
    if func[0] == "attr":
        return func[1]
    return None


# ---------------------------------------------------------------------------------------------
# Calls that run a function elsewhere


def spawner_of(project: Project, site: Site) -> Optional[tuple[str, catalog.Spawner]]:
    """(kind, spawner) when a call runs its target elsewhere: "spawn", "job" or "queue-job"."""
    func = site.func
    if func is None:
        return None
    value = project.target_value(func)
    tail = (
        func[2][-1] if func[0] == "chain" and func[2] else (func[1] if func[0] == "attr" else None)
    )
    if value is not None:
        if value[0] == "ext":
            sp = catalog.SPAWN_FUNCTIONS.get(value[1])
            if sp is not None:
                return "spawn", sp
        elif value[0] == "member":
            key = (value[1], value[2])
            sp = catalog.SPAWN_METHODS.get(key)
            if sp is not None:
                return "spawn", sp
            sp = catalog.JOB_METHODS.get(key)
            if sp is not None:
                return "job", sp
            sp = catalog.QUEUE_METHODS.get(key)
            if sp is not None:
                return "queue-job", sp
    sp = catalog.SPAWN_METHODS.get(("*", tail or ""))
    if sp is not None:
        return "spawn", sp
    if value is None and tail == catalog.ADD_JOB and _gives_trigger(site):
        # `sched.add_job(self.refresh, "interval", ...)` on a scheduler handed in as a
        # parameter: APScheduler's add_job(func, trigger, ...) with one of its trigger names.
        return "job", catalog.JOB_METHODS[("scheduler", catalog.ADD_JOB)]
    return None


def _gives_trigger(site: Site) -> bool:
    """The call names an APScheduler trigger, second or as ``trigger=``."""
    given = [*site.args[1:2], *(v for k, v in site.kwargs if k == "trigger")]
    return any(v is not None and v[0] == "const" and v[1] in catalog.TRIGGERS for v in given)


def spawn_target(site: Site, spawner: catalog.Spawner) -> Target:
    if spawner.target_kw is not None:
        for k, v in site.kwargs:
            if k == spawner.target_kw:
                return v
    pos = spawner.target_pos
    if pos is not None and len(site.args) > pos:
        return site.args[pos]
    return None


def _site_entries(
    project: Project, m: Module, fn: Function, site: Site, queues: _QueueFacts
) -> Iterator[Entry]:
    found = spawner_of(project, site)
    if found is None:
        yield from _signal_or_response(project, m, fn, site)
        return
    kind, spawner = found
    target = spawn_target(site, spawner)
    if kind in ("job", "queue-job") and target is not None and target[0] == "const":
        text = target[1]
        if isinstance(text, str) and ("." in text or ":" in text):
            target = _textual(text)
        elif kind == "job" and len(site.args) > 1:
            target = site.args[1]
    resolved = project.function_target(target)
    if resolved is None:
        return
    callee, name = resolved
    level = NONE
    if kind == "queue-job" and queues.aware(spawner.what):
        level = APP
    detail = {"what": spawner.what, "site": site}
    if kind == "job":
        flask_job = catalog.JOB_METHODS[(catalog.FLASK_SCHEDULER, catalog.ADD_JOB)]
        detail["flask_scheduler"] = spawner is flask_job
    if async_handoff(fn, spawner):
        detail["async"] = True
    yield Entry(kind, callee, level, m, site.line, site.col, name, detail)


def async_handoff(caller: Function, spawner: catalog.Spawner) -> bool:
    """A coroutine hands work to an executor: the async-task cause, not a plain thread."""
    return caller.is_async and spawner.what in catalog.ASYNC_HANDOFFS


def _handed(site: Site, spawner: catalog.Spawner) -> Iterator[Target]:
    """The values a spawn call hands to its target (the items of literal tuples and lists)."""
    by_keyword = any(k == spawner.target_kw for k, _ in site.kwargs)
    target_pos = None if by_keyword else spawner.target_pos
    values = [a for i, a in enumerate(site.args) if i != target_pos]
    values += [v for k, v in site.kwargs if k not in (spawner.target_kw, "daemon", "name")]
    for v in values:
        if v is not None and v[0] == "seq":
            yield from v[1]
        else:
            yield v


def proxy_arg(project: Project, site: Site) -> Optional[tuple[str, str]]:
    """The first Flask proxy (``current_app``, ``request``...) a spawn call hands over:
    (label, "app" or "request")."""
    found = spawner_of(project, site)
    if found is None or found[0] != "spawn":
        return None
    for value in _handed(site, found[1]):
        if value is None or value[0] != "chain":
            continue
        v = project.target_value(value)
        if v is None or v[0] != "ext":
            continue
        need = catalog.NAMES.get(v[1])
        if need is not None and need.how == catalog.PROXY:
            label = v[1].rsplit(".", 1)[-1]
            return label, "request" if need.level == catalog.REQUEST else "app"
    return None


def proxy_sites(
    project: Project, handoffs: bool = False
) -> Iterator[tuple[Module, Site, str, str, str]]:
    """Spawn calls that hand a proxy over: (module, site, what, label, need). Those a coroutine
    makes to an executor (:func:`async_handoff`) with ``handoffs``, the others without."""
    for m, fn, site in project.sites():
        found = proxy_arg(project, site)
        if found is not None:
            spawner = spawner_of(project, site)[1]
            if async_handoff(fn, spawner) == handoffs:
                yield m, site, spawner.what, found[0], found[1]


def library_targets(project: Project) -> Iterator[tuple[Module, Site, str, str, int]]:
    """Spawn calls whose target is itself a library callable that needs a context
    (``pool.submit(render_template_string, ...)``, ``Thread(target=mail.send, ...)``): (module,
    site, what, label, level). A coroutine's handoffs to an executor are CTX115's."""
    for m, fn, site in project.sites():
        found = spawner_of(project, site)
        if found is None or found[0] != "spawn" or async_handoff(fn, found[1]):
            continue
        target = spawn_target(site, found[1])
        if target is None or target[0] != "chain":
            continue
        value = project.target_value(target)
        need = None
        if value is not None and value[0] == "ext":
            need = catalog.NAMES.get(value[1])
        elif value is not None and value[0] == "member":
            need = catalog.MEMBERS.get((value[1], value[2]))
        if need is not None and need.how == catalog.CALL:
            label = ".".join((target[1].rsplit(".", 1)[-1].split(":")[-1], *target[2]))
            yield m, site, found[1].what, label, need.level


def _textual(text: str) -> Target:
    """APScheduler's "package.module:function" or RQ's "package.module.function" reference."""
    module, _, name = text.replace(":", ".").rpartition(".")
    if not module or not name.isidentifier():
        return None
    return ("chain", f"{module}.{name}", ())


def _signal_or_response(project: Project, m: Module, fn: Function, site: Site) -> Iterator[Entry]:
    value = project.target_value(site.func)
    if value is None or value[0] != "ext":
        tail = site.func[2][-1] if site.func and site.func[0] == "chain" and site.func[2] else None
        if tail in catalog.RESPONSE_ATTRS and fn is not m.top and site.args:
            yield from _stream_arg(project, m, site)
        return
    q = value[1]
    if q.startswith(catalog.CELERY_SIGNALS + ".") and q.endswith(".connect"):
        target = site.args[0] if site.args else project.kwarg(site, "receiver")
        resolved = project.function_target(target)
        if resolved is not None:
            callee, name = resolved
            detail = {"site": site}
            yield Entry("celery-signal", callee, NONE, m, site.line, site.col, name, detail)
    elif q in catalog.RESPONSES and fn is not m.top and site.args:
        yield from _stream_arg(project, m, site)


def _stream_arg(project: Project, m: Module, site: Site) -> Iterator[Entry]:
    gen = _generator_call(project, site.args[0])
    if gen is not None:
        yield Entry("stream", gen, NONE, m, site.line, site.col, gen.name, {})


def _generator_call(project: Project, target: Target) -> Optional[Function]:
    """The generator function that ``target`` calls (``rows()``), unless it is wrapped."""
    if target is None or target[0] != "call":
        return None
    func = target[1]
    if func is None or func[0] != "chain":
        return None
    value = project.target_value(func)
    if value is None or value[0] != "fn":
        return None
    gen = value[1]
    if not gen.generator or project.carries_context(gen):
        return None
    return gen


# ---------------------------------------------------------------------------------------------
# Decorated functions: tasks, jobs, commands, signal handlers


def _decorated(
    project: Project,
    m: Module,
    fn: Function,
    celery: _CeleryFacts,
    commands: _Commands,
    queues: _QueueFacts,
) -> Iterator[Entry]:
    for target, value, call in project.decorator_values(fn):
        func = call[1] if call is not None else target
        tail = func[2][-1] if func and func[0] == "chain" and func[2] else None
        kind = value[0] if value is not None else None
        where = (m, fn.line, fn.col, fn.name)
        if kind == "member" and value[1] == "celery" and value[2] in ("task", "shared_task"):
            instance = ("chain", func[1], func[2][:-1])
            aware = celery.task_aware(instance, call)
            detail = {"aware": aware, "request": celery.request_tasks}
            yield _entry("celery-task", fn, aware, where, detail)
            return
        if kind == "ext" and value[1] == catalog.SHARED_TASK:
            aware = celery.task_aware(None, call)
            detail = {"aware": aware, "request": celery.request_tasks}
            yield _entry("celery-task", fn, aware, where, detail)
            return
        if (
            kind == "ext"
            and value[1].startswith(catalog.CELERY_SIGNALS + ".")
            and tail == "connect"
        ):
            yield Entry("celery-signal", fn, NONE, m, fn.line, fn.col, fn.name, {})
            return
        if kind == "member" and (value[1], value[2]) in catalog.JOB_DECORATORS:
            detail = {"flask_scheduler": value[1] == catalog.FLASK_SCHEDULER}
            yield Entry("job", fn, NONE, m, fn.line, fn.col, fn.name, detail)
            return
        if tail == "task" and call is not None and call[2] and call[2][0] is not None:
            first = call[2][0]
            if first[0] == "const" and first[1] in catalog.TRIGGERS:
                yield Entry("job", fn, NONE, m, fn.line, fn.col, fn.name, {})
                return
        system = _queue_decorator(value)
        if system is not None:
            level = APP if queues.aware(system) else NONE
            if kind == "member" and value[1] in catalog.QUEUE_AWARE_KINDS:
                level = APP
            yield Entry("queue-job", fn, level, m, fn.line, fn.col, fn.name, {"what": system})
            return
        verdict = commands.command(fn, value, call, func)
        if verdict is not None:
            detail = {"quart": True} if commands.quart(value, func) else {}
            yield Entry(
                "command", fn, APP if verdict else NONE, m, fn.line, fn.col, fn.name, detail
            )
            return


def _entry(kind: str, fn: Function, aware: Optional[bool], where: tuple, detail: dict) -> Entry:
    """A task runs with an app context unless its Celery app is known to push none."""
    m, line, col, name = where
    return Entry(kind, fn, NONE if aware is False else APP, m, line, col, name, detail)


def _queue_decorator(value: Value) -> Optional[str]:
    if value is None:
        return None
    if value[0] == "ext":
        return catalog.QUEUE_DECORATORS.get(value[1])
    if value[0] == "member":
        return catalog.QUEUE_METHOD_DECORATORS.get((value[1], value[2]))
    return None


# ---------------------------------------------------------------------------------------------
# Celery: is the app Flask-aware?


class _CeleryFacts:
    """Celery apps the project makes, and which push an app context around their tasks."""

    def __init__(self, project: Project) -> None:
        self.project = project
        # A task class of the project that can push a request context (Indico's
        # `@celery.task(request_context=True)`): a task may then read `request`.
        self.request_tasks = any(
            fn.name == "__call__" and fn.pushes >= catalog.REQUEST and fn.cls is not None
            for fn in project.functions.values()
        )
        self.seen = False  # a Celery app is made somewhere
        self.aware_any = False
        self.aware_unknown = False  # `something.Task = ...` on an app we cannot name
        self.aware_bindings: set[str] = set()
        unnamed = False
        for name in project.imported_names:
            if name.split(".")[0] in catalog.CELERY_AWARE_MODULES:
                self.aware_any = True
                self.aware_unknown = True
        for m in project.modules.values():
            for fn in (m.top, *m.functions.values(), *([m.main] if m.main else [])):
                for site in fn.sites:
                    v = project.target_value(site.func)
                    if v == ("ext", catalog.CELERY):
                        self.seen = True
                        if project.kwarg(site, "task_cls") is not None:
                            self.aware_any = True
                for root, attrs, _, _ in fn.attr_assigns:
                    if attrs and attrs[-1] == "Task":
                        self.aware_any = True
                        binding = self.binding(("chain", root, attrs[:-1]))
                        if binding is None:
                            unnamed = True
                        else:
                            self.aware_bindings.add(binding)
        if unnamed:
            # `def configure_celery(app, celery): celery.Task = ContextTask`: with one Celery
            # app in the project, that is the one; with several, any of them may be.
            apps = self._celery_bindings()
            if len(apps) == 1:
                self.aware_bindings.update(apps)
            else:
                self.aware_unknown = True

    def _celery_bindings(self) -> set[str]:
        project = self.project
        found: set[str] = set()
        for m in project.modules.values():
            for name, b in m.bindings.items():
                if b[0] != "value" or b[1] is None or b[1][0] != "call":
                    continue
                made = project.target_value(b[1])
                if made == ("inst", "celery"):
                    found.add(f"{m.name}.{name}")
        return found

    def binding(self, target: Target) -> Optional[str]:
        """The qualified module-level name an instance target ends at, following imports."""
        if target is None or target[0] != "chain" or target[2]:
            if target is not None and target[0] == "chain" and target[2]:
                return f"{target[1]}.{'.'.join(target[2])}"
            return None
        qual = target[1]
        project = self.project
        for _ in range(20):
            head, _, name = qual.rpartition(".")
            owner = project.modules.get(head)
            if owner is None:
                return None
            b = owner.bindings.get(name)
            if b is None:
                return None
            if b[0] == "import":
                qual = b[1]
                continue
            return qual if b[0] == "value" else None
        return None

    def instance_aware(self, instance: Target) -> Optional[bool]:
        qual = self.binding(instance)
        if qual is None:
            return None
        if qual in self.aware_bindings:
            return True
        head, _, name = qual.rpartition(".")
        owner = self.project.modules.get(head)
        if owner is None:
            return None
        value = owner.bindings[name][1]
        if value is None or value[0] != "call":
            return None
        made = self.project.target_value(value[1])
        if made == ("ext", catalog.CELERY):
            return any(k == "task_cls" for k, _ in value[3])
        if made is not None and made[0] == "fn":
            return self.maker_aware(made[1])
        return None

    def maker_aware(self, fn: Function) -> Optional[bool]:
        """A function that makes and returns a Celery app (``make_celery``): is it aware?"""
        project = self.project
        made = False
        for site in fn.sites:
            if project.target_value(site.func) == ("ext", catalog.CELERY):
                made = True
                if project.kwarg(site, "task_cls") is not None:
                    return True
        for _, attrs, _, _ in fn.attr_assigns:
            if attrs and attrs[-1] == "Task":
                return True
        return False if made else None

    def task_aware(self, instance: Target, call: Optional[tuple]) -> Optional[bool]:
        if call is not None:
            for k, v in call[3]:
                if k == "base":
                    return self.class_aware(v)
        if self.aware_unknown:
            return None
        if instance is None:
            if not self.seen:
                return None
            return True if self.aware_any else False
        return self.instance_aware(instance)

    def class_aware(self, target: Target) -> Optional[bool]:
        value = self.project.target_value(target)
        if value is None:
            return None
        if value[0] == "ext":
            return False if value[1] == catalog.CELERY_TASK else None
        if value[0] == "member" and value[1] == "celery" and value[2] == "Task":
            return False
        if value[0] != "cls":
            return None
        project = self.project
        for k in project.mro(value[1]):
            for name in ("__call__", "run"):
                q = k.methods.get(name)
                fn = project.functions.get(q) if q else None
                if fn is not None and fn.pushes:
                    return True
        ext = project.ext_bases(value[1])
        if ext and ext <= {catalog.CELERY_TASK, "<celery>.Task"}:
            return False
        return None


# ---------------------------------------------------------------------------------------------
# Task queues other than Celery


class _QueueFacts:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.aware_modules = {
            name.split(".")[0]
            for name in project.imported_names
            if name.split(".")[0] in catalog.QUEUE_AWARE_MODULES
        }
        self.pushing_roots: set[str] = set()
        for k in project.classes.values():
            if any(
                (f := project.functions.get(q)) is not None and f.pushes for q in k.methods.values()
            ):
                for base in project.ext_bases(k):
                    self.pushing_roots.add(base.split(".")[0])

    def aware(self, what: str) -> bool:
        system = what.split()[0].lower()
        if system == "rq":
            return "rq" in self.pushing_roots or "flask_rq2" in self.aware_modules
        if system == "dramatiq":
            return "dramatiq" in self.pushing_roots or bool(
                self.aware_modules & {"flask_melodramatiq", "flask_dramatiq"}
            )
        if system == "huey":
            return "huey" in self.pushing_roots
        return False


# ---------------------------------------------------------------------------------------------
# Click commands: does the flask CLI run them (with an app context)?


class _Commands:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.registered: set[str] = set()
        self.any_registered = False
        for _m, _fn, site in project.sites():
            func = site.func
            if func is not None and func[0] == "attr" and func[1] == "add_command":
                if not (len(func[2]) > 1 and func[2][-2] == "cli"):
                    continue
            elif func and func[0] == "chain" and func[2] and func[2][-1] == "add_command":
                if not self._app_cli(("chain", func[1], func[2][:-1])):
                    continue
            else:
                continue
            arg = site.args[0] if site.args else None
            value = project.target_value(arg) if arg is not None else None
            if value is not None and value[0] == "fn":
                self.registered.add(value[1].qualname)
            else:
                self.any_registered = True

    def _app_cli(self, owner: Target) -> bool:
        if owner[2] and owner[2][-1] == "cli":
            return True
        value = self.project.target_value(owner)
        if value is not None and value[0] == "inst" and value[1] == "app-group":
            return True
        if value is not None and value[0] == "fn":
            return self.group_kind(value[1]) == "app"
        return False

    def group_kind(self, fn: Function) -> Optional[str]:
        """ "app" for a group the flask CLI runs, "plain" for a plain click group, else None."""
        for _, value, call in self.project.decorator_values(fn):
            if value is None or value[0] != "ext":
                continue
            if value[1] in catalog.CLICK_GROUP:
                cls = self.project.kwarg_target(call, "cls") if call is not None else None
                if cls is None:
                    return "plain"
                cv = self.project.target_value(cls)
                if cv is not None and cv[0] == "ext" and cv[1] in catalog.APP_GROUP_CLASSES:
                    return "app"
                return None
        return None

    def quart(self, value: Value, func: Target) -> bool:
        """A command of Quart's AppGroup: ``app.cli`` or ``bp.cli`` of Quart, or an AppGroup."""
        if value is not None and value[0] == "member" and value[2] == "command":
            return value[1] == catalog.QUART_CLI_GROUP
        if not (
            func and func[0] == "chain" and len(func[2]) >= 2 and func[2][-2:] == ("cli", "command")
        ):
            return False
        owner = self.project.target_value(("chain", func[1], func[2][:-2]))
        return owner is not None and owner[0] == "inst" and owner[1] in catalog.QUART_CLI_OWNERS

    def command(
        self, fn: Function, value: Value, call: Optional[tuple], func: Target
    ) -> Optional[bool]:
        """True for a command the flask CLI runs, False for a plain one, None if no command."""
        project = self.project
        if value is not None and value[0] == "ext" and value[1] in catalog.APP_CONTEXT_DECORATORS:
            return None
        plain: Optional[bool] = None
        if value is None:
            pass
        elif value[0] == "ext" and value[1] in catalog.CLICK_COMMAND:
            if call is not None and project.kwarg_target(call, "cls") is not None:
                return None
            plain = True
        elif value[0] == "member" and value[2] == "command":
            if value[1] == "app-group":
                plain = False
            elif value[1] == "click-group":
                plain = True
        if self.quart(value, func):
            given = project.kwarg_target(call, catalog.QUART_WITH_APPCONTEXT) if call else None
            pushed = given is not None and given != ("const", False) and given != ("const", None)
            return pushed or project.app_context_decorated(fn)
        if plain is None and func and func[0] == "chain" and func[2] and func[2][-1] == "command":
            owner = project.target_value(("chain", func[1], func[2][:-1]))
            if func[2][:-1] and func[2][-2] == "cli":
                plain = False
            elif owner is not None and owner[0] == "fn":
                kind = self.group_kind(owner[1])
                if kind == "app" or owner[1].qualname in self.registered:
                    plain = False
                elif kind == "plain":
                    plain = not self.any_registered
        if plain is None:
            return None
        if plain and (project.app_context_decorated(fn) or fn.qualname in self.registered):
            return True
        if plain and self.any_registered:
            return None
        return not plain


def _is_test(name: str) -> bool:
    parts = name.split(".")
    return any(
        p in ("test", "tests", "testing", "conftest") or p.startswith("test_") for p in parts
    )


def _worker_loaded(project: Project, entries: list[Entry]) -> set[str]:
    """Modules a worker may import by name when it starts: those defining Celery tasks, or RQ jobs,
    Dramatiq actors and Huey tasks of a worker that pushes no context (``celery -A``, ``rq
    worker``, ``dramatiq`` and ``huey_consumer`` import them with none). Unknown when a module
    pushes a context at its top for good (``app.app_context().push()`` in ``celery_worker.py``):
    whatever the worker imports after it has one."""
    for m in project.modules.values():
        for fn in (m.top, *([m.main] if m.main else [])):
            if any(_pushes_for_good(ref) for ref in fn.refs):
                return set()
    return {
        e.module.name
        for e in entries
        if "site" not in e.detail
        and (e.kind == "celery-task" or (e.kind == "queue-job" and e.level == NONE))
        and not _is_test(e.module.name)
    }


def _pushes_for_good(ref: Ref) -> bool:
    """``app.app_context().push()`` (or ``ctx.push()`` of one) with no ``pop`` in sight."""
    attrs = ref.attrs
    return (
        ref.mode == CALL
        and len(attrs) >= 3
        and attrs[-1] == "push"
        and attrs[-2] in (CALLED, CALLED_WITH_ARGS)
        and attrs[-3] in catalog.PUSHERS
    )


def _module_levels(project: Project, worker_loaded: set[str] = frozenset()) -> dict[str, int]:
    """The context each module's top level runs in, from where the module is imported.

    Modules imported inside ``with app.app_context():`` (or in a function called there), and the
    modules they import at their top, run their top level in that context. Modules imported at
    start-up without one run without: those no module imports (scripts, ``wsgi.py``), those an
    app factory imports outside ``with``, and what they import at their top. The start-up wins
    when both hold. Task modules a worker loads by name (``worker_loaded``) that the project
    never imports, and what they import at their top, run without, unless imported in a context
    too. Alembic scripts run under ``flask db``, with a context. A module imported only inside
    other functions is imported while they run, usually in a request: left alone.
    """
    modules = project.modules
    levels: dict[str, int] = {}
    imported = project.imported_modules
    top_imports: dict[str, set[str]] = {}
    for name, m in modules.items():
        top_imports[name] = {
            mod for mod, level, _ in m.top.imports if mod in modules and level < APP
        }
    # With a context: imported under `with app.app_context():`, directly or through calls.
    seeds: set[str] = set()
    with_ctx: set[str] = set()
    stack: list[Function] = []
    for m in modules.values():
        for fn in (m.top, *m.functions.values(), *([m.main] if m.main else [])):
            if not fn.pushes:
                continue
            for mod, level, _ in fn.imports:
                if level >= APP and mod in modules:
                    seeds.add(mod)
            _, calls = project.direct(fn)
            for call in calls:
                callee, site = call[0], call[3]
                if site >= APP and callee.qualname not in with_ctx:
                    with_ctx.add(callee.qualname)
                    stack.append(callee)
    while stack:
        fn = stack.pop()
        for mod, _, _ in fn.imports:
            if mod in modules:
                seeds.add(mod)
        _, calls = project.direct(fn)
        for call in calls:
            callee = call[0]
            if callee.qualname not in with_ctx:
                with_ctx.add(callee.qualname)
                stack.append(callee)
    # Without: what start-up imports. Start-up is a script (a `__main__` block, or a module of
    # no package that nothing imports), a module that makes the app at its top (`wsgi.py`), and
    # the imports of an app factory made outside `with`.
    starts: set[str] = set()
    orphans: set[str] = set()
    dynamic = {name.rpartition(".")[0] for name, m in modules.items() if m.dynamic}
    for name, m in modules.items():
        if m.alembic:
            continue
        if _is_test(name):
            orphans.add(name)  # pytest imports it at collection, with no context
            continue
        if m.main is not None or ("." not in name and name not in imported):
            starts.add(name)
        elif _makes_app(project, m.top) or any(
            project.is_factory(project.functions[q])
            for b in m.bindings.values()
            if b[0] == "def" and (q := b[1]) in project.functions
        ):
            # It builds the app at its top, or defines the factory: its top level runs first.
            starts.add(name)
        elif name not in imported and not _loaded_by_name(name, dynamic):
            # Nothing imports it: an entry point named elsewhere (`celery -A pkg.worker`). Its
            # own top level may run first; what it imports, unknown. (In a package whose code
            # imports modules by name, it is a plugin, loaded whenever: left alone.)
            orphans.add(name)
        for fn in m.functions.values():
            if project.is_factory(fn):
                starts.update(mod for mod, level, _ in fn.imports if mod in modules and level < APP)
    in_context = _closure(seeds, top_imports)
    # `app = create_app()` at the top of a module imports, inside the factory's `with`, what the
    # module imports after it (Superset's celery_app.py): those later imports, and what they
    # import, find the in-context modules already imported.
    early = dict(top_imports)
    late: set[str] = set()
    for name in starts:
        made = _factory_line(project, modules[name].top)
        if made is None:
            continue
        before: set[str] = set()
        for mod, level, line in modules[name].top.imports:
            if mod in modules and level < APP:
                (late if line > made else before).add(mod)
        early[name] = before
    without = _closure(starts, early) | orphans
    outside = {k: v - in_context for k, v in top_imports.items()}
    without |= _closure(late - in_context, outside)
    # A task module the project imports itself (in a function, say) may be imported in a
    # context before the worker gets to it (Superset's async_queries.py): left alone.
    without |= _closure(worker_loaded - imported - in_context, outside)
    with_context = in_context - without
    for name, m in modules.items():
        if m.alembic or name in with_context:
            levels[name] = APP
        elif name in without:
            levels[name] = NONE
        else:
            levels[name] = APP
    return levels


def _loaded_by_name(name: str, dynamic: set[str]) -> bool:
    package = name.rpartition(".")[0]
    while package:
        if package in dynamic:
            return True
        package = package.rpartition(".")[0]
    return False


def _app_calls(project: Project, top: Function) -> Iterator[int]:
    """Lines where a module's top level makes the app: ``Flask(...)``, ``Quart(...)`` or a
    factory call."""
    for ref in top.refs:
        if ref.mode != CALL or len(ref.attrs) != ref.skip:
            continue
        value = project.value(ref.root)
        if project.is_app_class(ref.root) or (
            value is not None and value[0] == "fn" and project.is_factory(value[1])
        ):
            yield ref.line


def _factory_line(project: Project, top: Function) -> Optional[int]:
    lines = [
        ref.line
        for ref in top.refs
        if ref.mode == CALL
        and len(ref.attrs) == ref.skip
        and (v := project.value(ref.root)) is not None
        and v[0] == "fn"
        and project.is_factory(v[1])
    ]
    return min(lines) if lines else None


def _makes_app(project: Project, top: Function) -> bool:
    return next(_app_calls(project, top), None) is not None


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
