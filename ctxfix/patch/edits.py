"""Source edits through libcst: each keeps the user's comments, quotes and layout.

An :class:`Edit` gathers changes to one parsed file, keyed by the nodes they change, and applies
them in one pass; imports are added after that, by name, so line numbers found before stay right.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence

import libcst as cst

from ctxfix.patch.source import PatchError, Source, Stmt, dotted, imports_of

NodeFn = Callable[[cst.CSTNode], cst.CSTNode]
_ENCLOSING = ("wrap", "coroutine")
"""Block operations that move statements into a new block (two may not overlap)."""


@dataclass
class Edit:
    """Changes to one file, applied together."""

    source: Source
    node_edits: dict[int, list[NodeFn]] = field(default_factory=dict)
    block_ops: dict[int, list[tuple]] = field(default_factory=dict)
    imports: list[tuple[str, str]] = field(default_factory=list)
    module_imports: list[str] = field(default_factory=list)
    unused_imports: list[str] = field(default_factory=list)
    local_tops: frozenset[str] = frozenset()
    """Top-level names of the project's own modules, so imports land in the right group."""

    # -- statements in a block ---------------------------------------------------------------

    def wrap(self, first: Stmt, last_index: int, item: str, is_async: bool = False) -> None:
        """Put statements first..last_index of first's block under ``with <item>:`` (``async
        with`` when ``is_async``)."""
        self._claim(first, last_index, ("wrap", first.index, last_index, item, is_async))

    def run_in_coroutine(
        self,
        first: Stmt,
        last_index: int,
        item: str,
        helper: str,
        shared: Sequence[str] = (),
        returns: bool = False,
    ) -> None:
        """From synchronous code: statements first..last_index go under ``async with <item>:``
        in a coroutine ``helper`` defined in their place and run there by ``asyncio.run``.

        ``shared`` names the variables the statements bind that the code around them uses too
        (declared ``global`` at module level, ``nonlocal`` in a function). ``returns``: the
        statements end their function and return from it, so the coroutine's result is returned.
        """
        top = first.function is None
        op = ("coroutine", first.index, last_index, item, helper, tuple(shared), returns, top)
        self._claim(first, last_index, op)
        self.need_module("asyncio")

    def _claim(self, first: Stmt, last_index: int, op: tuple) -> None:
        ops = self.block_ops.setdefault(id(first.block), [])
        for other in ops:
            if other[0] in _ENCLOSING and other[1] <= last_index and first.index <= other[2]:
                if other == op:
                    return  # the same wrap, asked for by a second error
                raise PatchError(
                    f"{self.source.rel}:{self.source.line_of(first.node)}: a patch for an "
                    "earlier error already changes these lines; apply it and run again"
                )
        ops.append(op)

    def remove(self, at: Stmt) -> None:
        """Take a statement out (its block gets ``pass`` when nothing is left)."""
        ops = self.block_ops.setdefault(id(at.block), [])
        if ("remove", at.index) not in ops:
            ops.append(("remove", at.index))

    def fit_call(self, original: cst.Call, limit: int = 99) -> None:
        """After the other changes to a call written on one line: one argument a line, as black
        and ruff format it, when the line would be longer than ``limit``."""
        pos = self.source.positions[original]
        if pos.start.line != pos.end.line:
            return
        line = self.source.line_text(pos.start.line)
        rest = len(line.rstrip()) - (pos.end.column - pos.start.column)

        def fit(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.Call)
            if not n.args or rest + len(cst.Module([]).code_for_node(n)) <= limit:
                return n
            return _one_argument_a_line(n)

        self.node(original, fit)

    def drop_import_if_unused(self, name: str) -> None:
        """Take ``name`` out of the module's imports if the edited code no longer uses it."""
        if name not in self.unused_imports:
            self.unused_imports.append(name)

    def snapshot(self) -> tuple:
        """The changes so far, to go back to with :meth:`restore`."""
        return (
            {k: list(v) for k, v in self.node_edits.items()},
            {k: list(v) for k, v in self.block_ops.items()},
            list(self.imports),
            list(self.module_imports),
            list(self.unused_imports),
        )

    def restore(self, state: tuple) -> None:
        nodes, blocks, imports, modules, unused = state
        self.node_edits = {k: list(v) for k, v in nodes.items()}
        self.block_ops = {k: list(v) for k, v in blocks.items()}
        self.imports, self.module_imports = list(imports), list(modules)
        self.unused_imports = list(unused)

    def insert(self, at: Stmt, code: str, after: bool = False, lines_around: int = 0) -> None:
        """Insert statements (source text) before or after a statement, at its indentation,
        with at least ``lines_around`` blank lines above and below them."""
        stmts = _statements(code)
        self.block_ops.setdefault(id(at.block), []).append(
            ("insert", at.index + (1 if after else 0), stmts, lines_around)
        )

    def replace_stmt(self, at: Stmt, code: str, lines_before: int = 0) -> None:
        """Replace one statement with the statements in ``code``, ``lines_before`` blank lines
        above them at least (and as many below, when more statements follow)."""
        stmts = _statements(code)
        self.block_ops.setdefault(id(at.block), []).append(
            ("replace", at.index, stmts, lines_before)
        )

    # -- nodes -------------------------------------------------------------------------------

    def node(self, original: cst.CSTNode, fn: NodeFn) -> None:
        self.node_edits.setdefault(id(original), []).append(fn)

    def replace_expr(self, original: cst.BaseExpression, code: str) -> None:
        new = cst.parse_expression(code)
        self.node(original, lambda n: new)

    def bind(self, st: Stmt, name: str) -> None:
        """``create_app()`` alone on its line becomes ``name = create_app()``."""

        def fn(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.SimpleStatementLine)
            expr = n.body[0]
            assert isinstance(expr, cst.Expr)
            assign = cst.Assign([cst.AssignTarget(cst.Name(name))], expr.value)
            return n.with_changes(body=[assign, *n.body[1:]])

        self.node(st.node, fn)

    def add_first_param(self, fn_node: cst.FunctionDef, name: str) -> None:
        def fn(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.FunctionDef)
            params = list(n.params.params)
            first = 1 if params and params[0].name.value in ("self", "cls") else 0
            params.insert(first, cst.Param(cst.Name(name)))
            return n.with_changes(params=n.params.with_changes(params=params))

        self.node(fn_node, fn)

    def add_decorator(self, fn_node: cst.FunctionDef, expr: str, outermost: bool = False) -> None:
        dec = cst.Decorator(cst.parse_expression(expr))

        def fn(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.FunctionDef)
            decs = [dec, *n.decorators] if outermost else [*n.decorators, dec]
            if outermost and n.decorators:
                decs[0] = dec.with_changes(leading_lines=n.decorators[0].leading_lines)
                decs[1] = n.decorators[0].with_changes(leading_lines=())
            elif not n.decorators:
                return n.with_changes(decorators=decs, leading_lines=n.leading_lines)
            return n.with_changes(decorators=decs)

        self.node(fn_node, fn)

    def wrap_body(self, fn_node: cst.FunctionDef, item: str, is_async: bool = False) -> None:
        """Put a function's whole body (after its docstring) under ``with <item>:``."""

        def fn(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.FunctionDef)
            body = list(n.body.body)
            start = 1 if body and is_docstring(body[0]) else 0
            inner = _with(item, body[start:], is_async)
            return n.with_changes(body=n.body.with_changes(body=body[:start] + [inner]))

        self.node(fn_node, fn)

    def need(self, module: str, name: str) -> None:
        """Make sure ``from module import name`` is there."""
        if (module, name) not in self.imports:
            self.imports.append((module, name))

    def need_module(self, module: str) -> None:
        if module not in self.module_imports:
            self.module_imports.append(module)

    # -- result ------------------------------------------------------------------------------

    def apply(self) -> str:
        new = self.source.module.visit(_Apply(self.node_edits, self.block_ops))
        for mod in self.module_imports:
            new = _ensure_module_import(new, mod, self.local_tops)
        for mod, name in self.imports:
            new = _ensure_from_import(new, mod, name, self.local_tops | {"."})
        for name in self.unused_imports:
            new = _drop_unused_import(new, name)
        return new.code


def _statements(code: str) -> list[cst.BaseStatement]:
    """The statements of ``code``, a comment above the first one kept with it (libcst gives a
    module's leading comments to its header)."""
    module = cst.parse_module(code)
    stmts = list(module.body)
    if stmts and module.header:
        stmts[0] = stmts[0].with_changes(leading_lines=[*module.header, *stmts[0].leading_lines])
    return stmts


def is_docstring(st: cst.BaseStatement) -> bool:
    return (
        isinstance(st, cst.SimpleStatementLine)
        and len(st.body) == 1
        and isinstance(st.body[0], cst.Expr)
        and isinstance(st.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _with(item: str, body: list[cst.BaseStatement], is_async: bool = False) -> cst.With:
    """``with <item>:`` around ``body``; ``item`` may end with `` as <name>``."""
    lead = body[0].leading_lines if body else ()
    if body:
        body = [body[0].with_changes(leading_lines=()), *body[1:]]
    expr, _, name = item.rpartition(" as ")
    target = cst.AsName(cst.Name(name)) if expr and name.isidentifier() else None
    return cst.With(
        items=[cst.WithItem(cst.parse_expression(expr if target else item), asname=target)],
        body=cst.IndentedBlock(body=body or [cst.SimpleStatementLine([cst.Pass()])]),
        leading_lines=lead,
        asynchronous=cst.Asynchronous() if is_async else None,
    )


def _one_argument_a_line(call: cst.Call) -> cst.Call:
    def newline(indent: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=True,
            last_line=cst.SimpleWhitespace(indent),
        )

    args = [a.with_changes(comma=cst.Comma(whitespace_after=newline("    "))) for a in call.args]
    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=newline("")))
    return call.with_changes(whitespace_before_args=newline("    "), args=args)


def _coroutine(
    item: str,
    body: list[cst.BaseStatement],
    helper: str,
    shared: tuple[str, ...],
    returns: bool,
    module_level: bool,
    first_in_block: bool,
) -> list[cst.BaseStatement]:
    """``async def helper(): async with item: body`` and the line that runs it."""
    blank = 0 if first_in_block else 2 if module_level else 1
    inner: list[cst.BaseStatement] = []
    if shared:
        keyword = "global" if module_level else "nonlocal"
        inner.append(cst.parse_statement(f"{keyword} {', '.join(shared)}\n"))
    inner.append(_with(item, body, is_async=True).with_changes(leading_lines=()))
    fn = cst.FunctionDef(
        name=cst.Name(helper),
        params=cst.Parameters(),
        body=cst.IndentedBlock(body=inner),
        asynchronous=cst.Asynchronous(),
        leading_lines=body[0].leading_lines if body else (),
    )
    run = cst.parse_statement(f"{'return ' if returns else ''}asyncio.run({helper}())\n")
    return [_blank_above(fn, blank), _blank_above(run, 2 if module_level else 1)]


def _remove_at(body: list[cst.BaseStatement], i: int) -> None:
    """Take out body[i]. The first statement of a block hands its blank lines on to the next
    one (no blank line opens the block); elsewhere the next keeps a blank line above it."""
    gone = body.pop(i)
    if i >= len(body):
        return
    own = list(body[i].leading_lines)
    if i == 0:
        while own and own[0].comment is None:
            own.pop(0)
        body[i] = body[i].with_changes(leading_lines=[*gone.leading_lines, *own])
    elif not own or own[0].comment is not None:
        blanks = [e for e in gone.leading_lines if e.comment is None]
        body[i] = body[i].with_changes(leading_lines=[*blanks, *own])


def _blank_above(st: cst.BaseStatement, n: int) -> cst.BaseStatement:
    lead = list(st.leading_lines)
    while sum(1 for e in lead if e.comment is None) < n:
        lead.insert(0, cst.EmptyLine(indent=False))
    return st.with_changes(leading_lines=lead)


class _Apply(cst.CSTTransformer):
    def __init__(self, node_edits: dict[int, list[NodeFn]], block_ops: dict[int, list[tuple]]):
        super().__init__()
        self.node_edits = node_edits
        self.block_ops = block_ops

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        out: cst.CSTNode = updated_node
        for fn in self.node_edits.get(id(original_node), ()):
            out = fn(out)
        ops = self.block_ops.get(id(original_node))
        if ops and isinstance(out, (cst.Module, cst.IndentedBlock)):
            body = list(out.body)
            # From the bottom up, wraps before inserts at the same place.
            for op in sorted(ops, key=lambda o: (-o[1], o[0] not in _ENCLOSING)):
                if op[0] == "wrap":
                    _, i, j, item, is_async = op
                    body[i : j + 1] = [_with(item, body[i : j + 1], is_async)]
                elif op[0] == "coroutine":
                    _, i, j, item, helper, shared, returns, top = op
                    body[i : j + 1] = _coroutine(
                        item, body[i : j + 1], helper, shared, returns, top, i == 0
                    )
                elif op[0] == "remove":
                    _remove_at(body, op[1])
                elif op[0] == "insert":
                    _, i, stmts, blank = op
                    if blank:
                        stmts = list(stmts)
                        stmts[0] = _blank_above(stmts[0], blank)
                        if i < len(body):
                            body[i] = _blank_above(body[i], blank)
                    body[i:i] = stmts
                elif op[0] == "replace":
                    _, i, stmts, blank = op
                    stmts = list(stmts)
                    stmts[0] = _blank_above(
                        stmts[0].with_changes(
                            leading_lines=[*body[i].leading_lines, *stmts[0].leading_lines]
                        ),
                        blank,
                    )
                    if blank and i + 1 < len(body):
                        body[i + 1] = _blank_above(body[i + 1], blank)
                    body[i : i + 1] = stmts
            if not body:
                body = [cst.SimpleStatementLine([cst.Pass()])]
            out = out.with_changes(body=body)
        return out


# ---------------------------------------------------------------------------------------------
# Imports


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    "abc argparse asyncio base64 collections concurrent contextlib copy csv dataclasses datetime "
    "decimal enum functools glob hashlib importlib inspect io itertools json logging math os "
    "pathlib pickle queue random re secrets shutil signal socket sqlite3 string subprocess sys "
    "tempfile textwrap threading time traceback typing unittest urllib uuid warnings".split()
)


def _section(mod: str, local_tops: frozenset[str]) -> int:
    """isort's sections: 0 future, 1 standard library, 2 third party, 3 the project's own."""
    top = mod.split(".")[0]
    if mod == "__future__":
        return 0
    if mod.startswith(".") or top in local_tops:
        return 3
    return 1 if top in _STDLIB else 2


def _import_key(st: cst.SimpleStatementLine, local_tops: frozenset[str]) -> tuple:
    imp = st.body[0]
    if isinstance(imp, cst.ImportFrom):
        mod = "." * len(imp.relative) + (dotted(imp.module) or "" if imp.module else "")
        return _section(mod, local_tops), 1, mod.lower()
    assert isinstance(imp, cst.Import)
    mod = dotted(imp.names[0].name) or ""
    return _section(mod, local_tops), 0, mod.lower()


def _insert_import(module: cst.Module, code: str, local_tops: frozenset[str]) -> cst.Module:
    """Add an import statement where isort and ruff would put it, in the top block of imports."""
    body = list(module.body)
    new = cst.parse_statement(code)
    assert isinstance(new, cst.SimpleStatementLine)
    key = _import_key(new, local_tops)
    start = 1 if body and is_docstring(body[0]) else 0
    header = []
    for i in range(start, len(body)):
        if not _is_import(body[i]):
            break
        header.append(i)
    pos = next((i for i in header if _import_key(body[i], local_tops) > key), None)  # type: ignore[arg-type]
    if pos is None:
        at = header[-1] + 1 if header else start
        if header:
            last_sec = _import_key(body[header[-1]], local_tops)[0]  # type: ignore[arg-type]
            if last_sec != key[0]:
                new = new.with_changes(leading_lines=(cst.EmptyLine(),))
        elif at < len(body):
            new = new.with_changes(leading_lines=body[at].leading_lines)
            body[at] = body[at].with_changes(leading_lines=(cst.EmptyLine(),) * 2)
        body.insert(at, new)
        return module.with_changes(body=body)
    target = body[pos]
    prev = pos - 1 if pos - 1 in header else None
    target_sec = _import_key(target, local_tops)[0]  # type: ignore[arg-type]
    if target_sec == key[0]:
        new = new.with_changes(leading_lines=target.leading_lines)
        body[pos] = target.with_changes(leading_lines=())
    elif prev is not None and _import_key(body[prev], local_tops)[0] == key[0]:  # type: ignore[arg-type]
        pass
    else:
        new = new.with_changes(leading_lines=target.leading_lines)
        body[pos] = target.with_changes(leading_lines=(cst.EmptyLine(),))
    body.insert(pos, new)
    return module.with_changes(body=body)


def _ensure_from_import(
    module: cst.Module, mod: str, name: str, local_tops: frozenset[str] = frozenset()
) -> cst.Module:
    have = imports_of(module)
    if name in have and have[name][:2] == (mod, name):
        return module
    body = list(module.body)
    for i, st in enumerate(body):
        if not isinstance(st, cst.SimpleStatementLine) or len(st.body) != 1:
            continue
        imp = st.body[0]
        if (
            isinstance(imp, cst.ImportFrom)
            and not imp.relative
            and imp.module is not None
            and dotted(imp.module) == mod
            and not isinstance(imp.names, cst.ImportStar)
        ):
            names = [n.with_changes(comma=cst.MaybeSentinel.DEFAULT) for n in imp.names]
            key = _import_order(name)
            at = next(
                (k for k, n in enumerate(names) if _import_order(dotted(n.name) or "") > key),
                len(names),
            )
            names.insert(at, cst.ImportAlias(cst.Name(name)))
            if imp.rpar is not None and names:  # keep a parenthesised list's last comma
                names[-1] = names[-1].with_changes(comma=imp.names[-1].comma)
            body[i] = st.with_changes(body=[imp.with_changes(names=names)])
            return module.with_changes(body=body)
    return _insert_import(module, f"from {mod} import {name}\n", local_tops)


def _import_order(name: str) -> tuple[int, str]:
    """isort's and ruff's order: CONSTANTS, then Classes, then everything else."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _ensure_module_import(
    module: cst.Module, mod: str, local_tops: frozenset[str] = frozenset()
) -> cst.Module:
    have = imports_of(module)
    if mod in have and have[mod][2] == -1:
        return module
    return _insert_import(module, f"import {mod}\n", local_tops)


def _drop_unused_import(module: cst.Module, name: str) -> cst.Module:
    """The module without ``name`` in its top-level imports, when nothing else uses it."""

    class Uses(cst.CSTVisitor):
        found = False

        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                self.found = True

    uses = Uses()
    module.visit(uses)
    if uses.found:
        return module
    body = list(module.body)
    for i in range(len(body) - 1, -1, -1):
        st = body[i]
        if not isinstance(st, cst.SimpleStatementLine) or len(st.body) != 1:
            continue
        imp = st.body[0]
        if not isinstance(imp, (cst.Import, cst.ImportFrom)) or isinstance(
            imp.names, cst.ImportStar
        ):
            continue
        names = list(imp.names)
        keep = [a for a in names if _local_name(a) != name]
        if len(keep) == len(names):
            continue
        if not keep:
            _remove_at(body, i)
            continue
        if _local_name(names[-1]) == name:
            keep[-1] = keep[-1].with_changes(comma=names[-1].comma)
        body[i] = st.with_changes(body=[imp.with_changes(names=keep)])
    return module.with_changes(body=body)


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted(alias.name) or "").split(".")[0]


def _is_import(st: cst.BaseStatement) -> bool:
    return isinstance(st, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in st.body
    )


def free_name(fn_or_module: cst.CSTNode, wanted: str, *others: str) -> str:
    """``wanted``, or a variant of it, that the code does not use yet."""
    from ctxfix.patch.source import uses_name

    for cand in (wanted, *others, f"{wanted}_"):
        if not uses_name(fn_or_module, cand):
            return cand
    return f"{wanted}__"


def forward_call(fn: cst.FunctionDef, target: str) -> str:
    """``target(a, b, *args, k=k, **kw)`` passing on every parameter of ``fn``."""
    p = fn.params
    parts = [x.name.value for x in (*p.posonly_params, *p.params)]
    if isinstance(p.star_arg, cst.Param):
        parts.append("*" + p.star_arg.name.value)
    parts += [f"{x.name.value}={x.name.value}" for x in p.kwonly_params]
    if p.star_kwarg is not None:
        parts.append("**" + p.star_kwarg.name.value)
    return f"{target}({', '.join(parts)})"
