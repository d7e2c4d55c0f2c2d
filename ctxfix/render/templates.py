"""Fill the knowledge's snippet templates with the names a traceback shows, and paste them.

A snippet holds ``{{name|default}}`` slots (the names are ``ctxfix.knowledge.PLACEHOLDERS``).
:func:`placeholders` reads their values off a finding's frames: the user's function, module and
package, the failing line, the app factory and the names of the app and ``db`` objects.
:func:`fill` puts them in, or the defaults where the traceback did not show a name.

A verify snippet is a block of module-level imports, then the lines to paste where the error
was: :func:`split_verify` parts them and :func:`paste_verify` pastes both into a file.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Iterable, Optional

from ctxfix.engine import Finding, Location

__all__ = [
    "VERIFY_MARKER",
    "fill",
    "import_names",
    "module_name",
    "paste_verify",
    "placeholders",
    "split_verify",
]

_SLOT = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*(?:\|([^}]*))?\}\}")
_NOT_PACKAGES = frozenset({"tests", "test", "testing", "src", "scripts", "bin"})
"""Folders that hold code but are not what an `import` names."""
_FACTORY_PREFIXES = ("create_", "make_", "build_", "get_", "new_")
_APP_ATTRS = (
    "app_context",
    "test_request_context",
    "test_client",
    "test_cli_runner",
    "config",
    "cli",
    "route",
    "register_blueprint",
)
_DB_ATTRS = ("session", "create_all", "drop_all", "engine", "get_engine", "init_app", "Model")
_NOT_OBJECTS = frozenset({"self", "cls", "current_app", "flask", "g", "request", "session"})
# String operations rather than regular expressions: compiling those would cost more than
# reading the names, on every explain.


def _is_name(text: str) -> bool:
    return text.isidentifier()


def _is_factory(name: str) -> bool:
    """A function named like an app factory: create_app, make_app, build_app, app_factory..."""
    return (name.startswith(_FACTORY_PREFIXES) and name.endswith("app")) or name.endswith(
        "app_factory"
    )


def _objects_before(code: str, attrs: tuple[str, ...]) -> list[str]:
    """The names in ``code`` followed by ``.attr`` for one of ``attrs`` (``db`` in
    ``db.session.add(x)``), not attributes of something else, in order."""
    out = []
    for attr in attrs:
        at = code.find("." + attr)
        while at >= 0:
            end = at + 1 + len(attr)
            start = at
            while start > 0 and (code[start - 1].isalnum() or code[start - 1] == "_"):
                start -= 1
            name = code[start:at]
            whole = end == len(code) or not (code[end].isalnum() or code[end] == "_")
            after_dot = start > 0 and code[start - 1] == "."
            if whole and not after_dot and _is_name(name):
                out.append((start, name))
            at = code.find("." + attr, end)
    return [name for _, name in sorted(out)]


def _assigned_call(code: str) -> tuple[Optional[str], Optional[str]]:
    """For ``x = callee(...)``: x and the callee's last name; (None, None) otherwise."""
    target, eq, value = code.strip().partition("=")
    target, value = target.strip(), value.strip()
    if not eq or value.startswith("=") or not _is_name(target) or "(" not in value:
        return None, None
    callee = value.split("(", 1)[0].strip().rsplit(".", 1)[-1]
    return (target, callee) if _is_name(callee) else (None, None)


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {{name|default}} slots with the user's values, or the defaults."""

    def sub(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in values and values[name]:
            return values[name]
        return default.strip() if default is not None else name

    return _SLOT.sub(sub, template)


def module_name(path: str) -> Optional[str]:
    """The module a source path names (``pkg/views.py`` -> ``views``, ``pkg/__init__.py`` ->
    ``pkg``), or None when it is not an importable ``.py`` file."""
    parts = path.replace("\\", "/").split("/")
    if not parts[-1].endswith(".py"):
        return None
    stem = parts[-1][:-3]
    if stem == "__init__":
        stem = parts[-2] if len(parts) > 1 else ""
    return stem if _is_name(stem) else None


def _on_disk(path: str) -> Optional[str]:
    """The dotted name of a file that exists here, from the ``__init__.py`` files above it."""
    try:
        if not os.path.isfile(path):
            return None
    except (OSError, ValueError):
        return None
    folder, name = os.path.split(os.path.abspath(path))
    parts = [] if name == "__init__.py" else [name[:-3]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, pkg = os.path.split(folder)
        parts.insert(0, pkg)
    return ".".join(parts) if parts and all(map(_is_name, parts)) else None


def import_names(paths: Iterable[str]) -> dict[str, str]:
    """The dotted module name each of the user's source paths is imported by, where it can tell.

    A file that exists here is named by the ``__init__.py`` files above it. Otherwise the paths
    are taken relative to the folder they share (pytest prints them relative already); a path
    with no folder in common with the others is named by its file alone.
    """
    paths = [p for p in dict.fromkeys(paths) if p.endswith(".py")]
    norm = {p: p.replace("\\", "/") for p in paths}
    folders = {n.rsplit("/", 1)[0] if "/" in n else "" for n in norm.values()}
    root = None
    if len(folders) > 1 and len({f.startswith("/") for f in folders}) == 1:
        try:
            root = os.path.commonpath(list(folders))
        except ValueError:  # paths on different drives
            root = None
    out: dict[str, str] = {}
    for p, n in norm.items():
        dotted = _on_disk(p)
        if dotted is None:
            rel = n[len(root) :].lstrip("/") if root is not None else n.rsplit("/", 1)[-1]
            if root is None and n.endswith("/__init__.py"):
                rel = "/".join(n.split("/")[-2:])
            parts = rel[:-3].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            if parts and all(map(_is_name, parts)):
                dotted = ".".join(parts)
        if dotted:
            out[p] = dotted
    return out


def _statement(code: str) -> Optional[str]:
    """The failing line, when it is a whole statement that stands anywhere (it is pasted as
    one): not a line cut short, a block's first line, or a return or yield."""
    code = code.strip()
    if not code or code.endswith(":"):
        return None
    try:
        compile(code, "<line>", "exec", dont_inherit=True)  # compiled only, never run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _without_comment(code)


def _without_comment(code: str) -> str:
    """A line of code without its trailing comment (the snippet adds its own)."""
    if "#" not in code:
        return code
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                return code[: tok.start[1]].rstrip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return code


def _object_names(frames: list[Location], factory: Optional[str]) -> dict[str, str]:
    """The names of the app and ``db`` objects, from the user's lines of code."""
    out: dict[str, str] = {}
    for loc in reversed(frames):
        code = loc.code or ""
        target, callee = _assigned_call(code)
        if target and callee and (callee in ("Flask", factory) or _is_factory(callee)):
            out.setdefault("app", target)
        for name in _objects_before(code, _APP_ATTRS):
            if name not in _NOT_OBJECTS:
                out.setdefault("app", name)
        for name in _objects_before(code, _DB_ATTRS):
            if name not in _NOT_OBJECTS and name != out.get("app"):
                out.setdefault("db", name)
    return out


def placeholders(finding: Finding) -> dict[str, str]:
    """Values for the {{name|default}} slots of a finding's snippets."""
    out: dict[str, str] = {}
    loc = finding.location
    frames = list(finding.user_frames) or ([loc] if loc is not None else [])
    names = import_names(f.path for f in frames)
    if loc is not None:
        if _is_name(loc.function or ""):
            out["function"] = loc.function
        mod = names.get(loc.path) or module_name(loc.path)
        if mod:
            out["module"] = mod
        out["file"] = loc.path.replace("\\", "/").rsplit("/", 1)[-1]
        if loc.line:
            out["line"] = str(loc.line)
        code = _statement(loc.code or "")
        if code:
            out["code"] = code
    test = next((f for f in reversed(frames) if (f.function or "").startswith("test")), None)
    if test is not None and _is_name(test.function):
        out["test"] = test.function
    entry = _statement(frames[0].code or "") if frames else None
    if entry:
        out["entry"] = entry
    for dotted in names.values():
        top = dotted.split(".")[0]
        if "." in dotted and top not in _NOT_PACKAGES and not top.startswith("test"):
            out.setdefault("package", top)
    factory = next((f for f in reversed(frames) if _is_factory(f.function or "")), None)
    if factory is not None:
        out["factory"] = factory.function
        where = names.get(factory.path)
        if where:
            out["factory_module"] = where
    else:
        for f in frames:
            _, callee = _assigned_call(f.code or "")
            if callee and _is_factory(callee):
                out["factory"] = callee
    if "factory_module" not in out and "package" in out:
        out["factory_module"] = out["package"]
    out.update(_object_names(frames, out.get("factory")))
    if finding.proxy and all(_is_name(part) for part in finding.proxy.split(".")):
        out["proxy"] = finding.proxy
    return out


# ---------------------------------------------------------------------------------------------
# Verify snippets: module-level imports, then the lines pasted where the error was.

VERIFY_MARKER = "# ctxfix: verify"
"""The line of a fixed example where ``ctxfix verify`` pastes the cause's verify snippet."""


def split_verify(snippet: str) -> tuple[str, str]:
    """A verify snippet's module-level imports and the lines to paste where the error was."""
    lines = snippet.rstrip().splitlines()
    cut = 0
    for i, line in enumerate(lines):
        text = line.split("#", 1)[0].strip()
        if text.startswith(("import ", "from ")):
            cut = i + 1
        elif text:
            break
    body = "\n".join(lines[cut:]).strip("\n")
    return "\n".join(lines[:cut]).strip("\n"), body


def _top_of_module(text: str) -> int:
    """The index of the line where module-level imports go: the first statement after the
    docstring and any ``from __future__`` import."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return 0
    for i, node in enumerate(tree.body):
        docstring = (
            i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ) and isinstance(node.value.value, str)
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (docstring or future):
            decorators = getattr(node, "decorator_list", [])
            return min([node.lineno] + [d.lineno for d in decorators]) - 1
    return len(text.split("\n"))


def paste_verify(text: str, snippet: str) -> Optional[str]:
    """``text`` with the verify snippet pasted at its VERIFY_MARKER lines (None: no marker).

    The snippet's lines take the marker's indentation; its imports go to the top of the module,
    or just above the pasted lines when the marker is at module level.
    """
    lines = text.split("\n")
    marks = [i for i, line in enumerate(lines) if line.strip() == VERIFY_MARKER]
    if not marks:
        return None
    imports, body = split_verify(snippet)
    indented = any(lines[i][:1].isspace() for i in marks)
    for i in reversed(marks):
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        pasted = [indent + line if line.strip() else "" for line in body.splitlines()]
        if not indent and imports:
            pasted = imports.splitlines() + pasted
        lines[i : i + 1] = pasted
    if imports and indented:
        top = _top_of_module(text)
        lines[top:top] = imports.splitlines()
    return "\n".join(lines)
