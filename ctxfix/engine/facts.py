"""The facts a traceback's shape gives evidence rules: tags (a script's top, an import chain,
a test file...) and the Flask version its wording and frames imply."""

from __future__ import annotations

import re
from typing import Optional

from ctxfix._record import Record
from ctxfix.engine.frames import _is_interactive, _is_user
from ctxfix.read import Frame, Traceback

# asyncio's loop (Lib/asyncio/base_events.py run_until_complete, runners.py run, events.py
# Handle._run) is on the stack of every coroutine asyncio runs and re-raises for.
_EVENT_LOOP = re.compile(r"(?:^|/)asyncio/(?:base_events|runners|events)\.py$")
_IMPORT_STATEMENT = re.compile(r"\s*(?:from\s+[\w.]+\s+import\b|import\s+\w)")


def _flask_version(tb: Traceback, family: str) -> tuple[Optional[str], Optional[str]]:
    """A Flask version range read from the message wording and frames, and why."""
    if family.startswith("quart-"):
        return None, None  # Quart printed it: Werkzeug's frames say nothing of a Flask version
    msg = " ".join(tb.message.split()).lower()
    frames = tb.all_frames()
    paths = [(f.norm_path, f.function) for f in frames]
    if (
        "there is no request in this context" in msg
        or "expected a current application" in msg
        or ("expected an active http request" in msg)
    ):
        return "3.2", "the message wording is the one Flask 3.2 prints"
    if "to interface with the current application object in a way" in msg:
        return "0.11-0.12", "the message wording is the one Flask 0.11 and 0.12 print"
    if "interface with the current application object in some way" in msg:
        return "1.0-2.1", "the message wording is the one Flask 1.0 to 2.1 print"
    if "needed the current application. to solve this" in msg:
        return "2.2-3.1", "the message wording is the one Flask 2.2 to 3.1 print"
    if (
        msg.startswith("working outside of")
        and msg.rstrip(".") == msg
        and len(msg) < 45
        and (msg == msg.lower() and tb.message.strip()[:1].islower())
    ):
        return "0.9-0.10", "the one-line lowercase message is the one Flask 0.10 and older print"
    if "not able to create a url adapter" in msg or "attempted to generate a url without" in msg:
        return "<=2.1", "this url_for message was replaced in Flask 2.2"
    if "unable to build urls outside an active request" in msg:
        return ">=2.2", "this url_for message is the one Flask 2.2 and newer print"
    if any(
        p.endswith("flask/globals.py") and fn.startswith(("_find_app", "_lookup_"))
        for p, fn in paths
    ):
        return "<=2.1", "flask/globals.py raising the error means Flask 2.1 or older"
    if any(p.endswith("werkzeug/local.py") and fn == "__getattr__" for p, fn in paths):
        return (
            "<=1.1",
            "werkzeug/local.py __getattr__ frames mean Werkzeug 1.x (Flask 1.1 or older)",
        )
    if any(
        p.endswith("werkzeug/local.py") and "unbound_message" in f.code
        for (p, _), f in zip(paths, frames)
    ):
        return ">=2.2", "Werkzeug raising unbound_message means Flask 2.2 or newer"
    return None, None


class _Facts(Record):
    """What evidence rules are matched against for one traceback."""

    tb: Traceback
    family: str
    proxy: Optional[str]
    user: Optional[Frame]
    frames: list[Frame]
    context: list[str]
    tags: frozenset[str] = frozenset()
    outer: Optional[Frame] = None
    """Where the error's traceback starts (:func:`outer_frame`)."""
    caller: Optional[Frame] = None
    """The frame right above the user's: the one whose line called it."""


def facts_for(
    tb: Traceback,
    family: str,
    proxy: Optional[str],
    user: Optional[Frame],
    frames: list[Frame],
    project_root: Optional[str],
    yours: bool = True,
) -> _Facts:
    """The facts of one traceback, each worked out once: its tags, where it starts, and the
    frame that called the user's."""
    outer = outer_frame(tb, frames)
    # Python prints a traceback outermost first: the user's frame's caller is the one before it.
    idx = next((i for i in range(len(frames) - 1, -1, -1) if frames[i] is user), None)
    caller = frames[idx - 1] if idx else None
    tags = _tags(tb, frames, user, project_root, yours, outer, idx)
    return _Facts(tb, family, proxy, user, frames, list(tb.context), tags, outer, caller)


def _is_test_path(p: str) -> bool:
    name = p.rsplit("/", 1)[-1]
    return (
        any(f"/{d}/" in "/" + p for d in ("tests", "test", "testing"))
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith(("_test.py", "_tests.py"))
        or name == "conftest.py"
    )


def outer_frame(tb: Traceback, frames: list[Frame]) -> Optional[Frame]:
    """Where the error's traceback starts: its own first frame (an earlier chained exception
    starts elsewhere), past the frames of ``python -m`` (Lib/runpy.py _run_module_as_main and
    _run_code, ``<frozen runpy>`` since Python 3.11), which run the module as a script."""
    own = tb.frames or frames
    for f in own:
        p = f.norm_path
        if not (p == "<frozen runpy>" or p.endswith("/runpy.py")):
            return f
    return own[0] if own else None


def _is_import_machinery(p: str) -> bool:
    return p.startswith("<frozen importlib") or p.endswith(
        ("importlib/__init__.py", "flask/cli.py")
    )


def _tags(
    tb: Traceback,
    frames: list[Frame],
    user: Optional[Frame],
    project_root: Optional[str],
    yours: bool,
    first: Optional[Frame],
    idx: Optional[int],
) -> frozenset[str]:
    """Generic facts about a traceback's shape, for evidence rules to weigh. ``user`` is the
    user's frame, or the frame standing in for it (``yours`` False), at ``frames[idx]``;
    ``first`` is where the traceback starts."""
    tags: set[str] = set()
    if frames:
        tags.add("has-frames")
    if frames and not yours:
        tags.add("no-user-frame")
    if tb.truncated:
        tags.add("truncated")
    if tb.shape.startswith("pytest"):
        tags.add("pytest-output")
    if any(_EVENT_LOOP.search(f.norm_path) for f in frames):
        tags.add("event-loop")
    if user is None:
        if frames:
            tags.add("no-user-frame")
        return frozenset(tags)
    if _is_interactive(user.path):
        tags.add("interactive")
    if _is_test_path(user.norm_path):
        tags.add("test-file")
    if user.function == "<module>":
        tags.add("module-level")
    modules = {
        f.norm_path for f in frames if f.function == "<module>" and _is_user(f, project_root)[0]
    }
    importing = any(
        _is_import_machinery(f.norm_path)
        and f.function
        in (
            "locate_app",
            "load_app",
            "find_best_app",
            "import_module",
            "_load_app",
            "_find_and_load",
            "_call_with_frames_removed",
            "__call__",
        )
        for f in frames
    ) or any(f.norm_path.startswith("<frozen importlib") for f in frames)
    if not importing:
        # Python hides importlib's own frames (importlib/_bootstrap.py
        # _call_with_frames_removed), so a module being imported often shows only as a
        # module-level frame right below a line that is an import statement.
        importing = any(
            inner.function == "<module>" and _IMPORT_STATEMENT.match(outer.code or "")
            for outer, inner in zip(frames, frames[1:])
        )
    if len(modules) >= 2 or (importing and "module-level" in tags):
        tags.add("import-chain")
    # The final exception's own frames: an earlier chained one (a KeyError before Flask-SQLAlchemy
    # 2.x's "No application found") starts somewhere else.
    if (
        first is not None
        and first.function == "<module>"
        and _is_user(first, project_root)[0]
        and "interactive" not in tags
        and not _is_interactive(first.path)
        and "import-chain" not in tags
        and "test-file" not in tags
    ):
        tags.add("script-top")
    assert idx is not None
    if idx + 1 < len(frames):
        callee = frames[idx + 1].norm_path
        if "flask_" in callee and re.search(r"(?:^|/)flask_\w+(?:/|\.py$)", callee):
            tags.add("calls-extension")
    if (
        (user.function or "")[:1].isupper()
        and re.fullmatch(r"[A-Z]\w*", user.function)
        and idx > 0
        and (frames[idx - 1].function == "<module>")
    ):
        tags.add("class-body")
    return frozenset(tags)
