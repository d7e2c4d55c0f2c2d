"""Whose frame is whose, and which name failed: Flask's, its extensions', the libraries that run
Flask code, the standard library's, and the user's own, read from paths, function names and the
user's line of code."""

from __future__ import annotations

import re
from typing import Callable, Optional

from ctxfix.read import Frame, Traceback, is_library_path

_INTERACTIVE = ("<stdin>", "<console>", "<input>", "<string>", "<pyshell#", "<ipython-input")


def _is_interactive(path: str) -> bool:
    """Code typed at a prompt: the REPL, `python -c`, IDE consoles, IPython and Jupyter."""
    return path.startswith((*_INTERACTIVE, "Cell In[", "Input In [")) or "ipykernel_" in path


_LAUNCHER = (
    r"(?:^|/)(?:bin|scripts)/(?:flask|celery|rq|rqworker|pytest|py\.test|gunicorn|uwsgi"
    r"|waitress-serve|huey_consumer|dramatiq|ipython|jupyter|python[\d.]*)(?:\.exe|-script\.py)?$"
)
_CORE_MODULES = frozenset(
    "app globals ctx helpers cli templating local serving wsgi testing test scaffold blueprints "
    "views sessions signals config logging __init__ routing exceptions datastructures utils "
    "formparser urls security".split()
)
_CORE_PACKAGES = frozenset({"flask", "werkzeug"})
_CORE_SUBPACKAGES = frozenset({"sansio", "wrappers", "json", "debug", "middleware"})
_KNOWN_PACKAGES = frozenset(
    "sqlalchemy celery kombu billiard apscheduler rq click jinja2 gunicorn eventlet gevent "
    "_pytest pluggy pytest_flask anyio asgiref dramatiq huey".split()
)
_KNOWN_EXTENSIONS = frozenset(
    "sqlalchemy login mail socketio babel babelex wtf migrate caching restful restx cors "
    "apscheduler security admin principal session limiter jwt_extended smorest marshmallow "
    "bcrypt moment uploads executor httpauth debugtoolbar".split()
)


def _is_flask_internal(norm_path: str) -> bool:
    """Flask, Werkzeug, a known extension or a library that calls into them."""
    parts = norm_path.split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    for i, part in enumerate(parts[:-1]):
        if part in _KNOWN_PACKAGES:
            return True
        if part.startswith("flask_") and part[6:] in _KNOWN_EXTENSIONS:
            return True
        if part in _CORE_PACKAGES:
            rest = parts[i + 1 :]
            if len(rest) == 1 and stem in _CORE_MODULES:
                return True
            if len(rest) == 2 and rest[0] in _CORE_SUBPACKAGES:
                return True
    return stem.startswith("flask_") and stem[6:] in _KNOWN_EXTENSIONS


# Which proxy failed, read from the user's own line of code, in order of preference.
def _bare(code: str, name: str, after: str) -> bool:
    """``name`` followed by ``after`` in ``code``, not as part of a longer name or attribute."""
    i = code.find(name + after)
    while i >= 0:
        if i == 0 or not (code[i - 1].isalnum() or code[i - 1] in "_."):
            return True
        i = code.find(name + after, i + 1)
    return False


_CODE_PROXIES: list[tuple[str, Callable[[str], bool]]] = [
    ("url_for", lambda c: _bare(c, "url_for", "(")),
    ("render_template", lambda c: "render_template(" in c or "render_template_string(" in c),
    ("flash", lambda c: _bare(c, "flash", "(")),
    ("db.create_all", lambda c: "db.create_all(" in c or "db.drop_all(" in c or "db.reflect(" in c),
    ("db.session", lambda c: "db.session" in c),
    ("db.engine", lambda c: "db.engine" in c or "db.get_engine" in c),
    ("Model.query", lambda c: ".query" in c and re.search(r"\b[A-Z]\w*\.query\b", c) is not None),
    ("current_app", lambda c: "current_app" in c),
    ("current_user", lambda c: "current_user" in c),
    (
        "session",
        lambda c: (
            _bare(c, "session", "[")
            or any(
                _bare(c, "session", f".{m}")
                for m in ("get", "pop", "clear", "setdefault", "update")
            )
        ),
    ),
    ("request", lambda c: _bare(c, "request", ".")),
    ("websocket", lambda c: _bare(c, "websocket", ".")),
    ("g", lambda c: _bare(c, "g", ".")),
    ("app.app_context", lambda c: "app.app_context(" in c),
    ("jsonify", lambda c: _bare(c, "jsonify", "(")),
    ("emit", lambda c: _bare(c, "emit", "(") or _bare(c, "send", "(")),
]
_REQUEST_PROXIES = {"request", "session", "flash", "current_user"}
_REQUEST_FAMILIES = ("request-context", "quart-request-context", "quart-websocket-context")
"""Families whose failing name is a request's (Quart's websocket is one)."""

# Which proxy failed, read from the library frames (innermost first wins): the end of the
# frame's path, the function names (None: any), and the proxy.
_FRAME_PROXIES: list[tuple[str, Optional[frozenset[str]], str]] = [
    ("flask/globals.py", frozenset({"_find_app"}), "current_app"),
    ("flask/globals.py", frozenset({"_lookup_app_object"}), "g"),
    ("flask/globals.py", frozenset({"_lookup_req_object"}), "request"),
    ("flask/ctx.py", frozenset({"request", "session"}), "request"),
    ("flask/helpers.py", frozenset({"url_for"}), "url_for"),
    ("flask/app.py", frozenset({"url_for"}), "url_for"),
    ("flask/helpers.py", frozenset({"flash"}), "flash"),
    (
        "flask/templating.py",
        frozenset(
            {
                "render_template",
                "render_template_string",
                "stream_template",
                "stream_template_string",
            }
        ),
        "render_template",
    ),
    ("flask/json/__init__.py", frozenset({"jsonify"}), "jsonify"),
    (
        "flask_sqlalchemy/",
        frozenset({"create_all", "drop_all", "_call_for_binds", "_execute_for_all_tables"}),
        "db.create_all",
    ),
    ("flask_sqlalchemy/", frozenset({"engine", "get_engine", "engines"}), "db.engine"),
    ("flask_sqlalchemy/", frozenset({"__get__"}), "Model.query"),
    ("flask_sqlalchemy/", frozenset({"_app_ctx_id", "get_app", "__init__"}), "db.session"),
    ("flask_socketio/", frozenset({"emit", "send"}), "emit"),
    (
        "flask_login",
        frozenset({"login_user", "logout_user", "_get_user", "_load_user"}),
        "current_user",
    ),
    ("flask_login", None, "current_app"),
    ("flask_mail", None, "current_app"),
]


def _frame_proxy(f: Frame) -> Optional[str]:
    p = f.norm_path
    for where, functions, name in _FRAME_PROXIES:
        inside = p.endswith(where) if where.endswith(".py") else where in p
        if inside and (functions is None or f.function in functions):
            return name
    return None


_CODE_FLASKISH = (
    r"\b(?:current_app|request|session|g|db|url_for|render_template|flash|jsonify|current_user"
    r"|app_context|gettext|lazy_gettext|ngettext)\b|(?<![\w.])_l?\(\s*['\"]"
)


def _innermost_user(frames: list[Frame], project_root: Optional[str] = None) -> Optional[Frame]:
    for f in reversed(frames):
        if _is_user(f, project_root)[0]:
            return f
    return None


def _is_user(frame: Frame, project_root: Optional[str] = None) -> tuple[bool, str]:
    p = frame.norm_path
    if project_root:
        root = project_root.replace("\\", "/").lower().rstrip("/") + "/"
        if p.startswith(root) or ("/" + p).find("/" + root.lstrip("/")) >= 0:
            return True, "inside --project-root"
    if _is_interactive(frame.path):
        return True, "typed at an interactive prompt"
    if p.startswith("<"):
        return False, "generated or frozen code"
    if ("bin/" in p or "scripts/" in p) and re.search(_LAUNCHER, p):
        return False, "a console-script launcher of an installed tool"
    if is_library_path(frame.path):
        if "site-packages/" in p or "dist-packages/" in p:
            return False, "an installed package (site-packages)"
        return False, "the Python standard library"
    if _is_flask_internal(p):
        return False, "Flask, Werkzeug or a known extension"
    return True, "not an installed package or the standard library"


def _proxy_in_code(code: str) -> Optional[str]:
    if not code:
        return None
    for name, used in _CODE_PROXIES:
        if used(code):
            return name
    return None


def _detect_proxy(tb: Traceback, family: str, user: Optional[Frame]) -> tuple[Optional[str], str]:
    frames = tb.frames or tb.all_frames()
    lib_proxy = None
    for f in reversed(frames):
        lib_proxy = _frame_proxy(f)
        if lib_proxy:
            break
    if user is not None and user.code:
        candidates = [name for name, used in _CODE_PROXIES if used(user.code)]
        if family in _REQUEST_FAMILIES:
            pick = [c for c in candidates if c in _REQUEST_PROXIES or c == "websocket"]
        elif family == "url-adapter":
            pick = [c for c in candidates if c == "url_for"]
        else:
            pick = [c for c in candidates if c not in _REQUEST_PROXIES]
        if lib_proxy in pick:
            return lib_proxy, "your line and the library frames both use it"
        if pick:
            return pick[0], "your line of code uses it"
    if lib_proxy:
        if lib_proxy == "request" and user is not None and "session" in (user.code or ""):
            return "session", "your line of code uses it"
        return lib_proxy, "the library frame that raised is where it is looked up"
    if family == "url-adapter":
        return "url_for", "url_for raises this message"
    if family == "sqlalchemy-no-app":
        return "db", "Flask-SQLAlchemy raises this message"
    return None, ""


def _find_user(
    frames: list[Frame], project_root: Optional[str]
) -> tuple[Optional[Frame], Optional[Frame], list[str]]:
    """The user's innermost frame, the frame to show when none is the user's, and why."""
    reasons: list[str] = []
    user = None
    for i in range(len(frames) - 1, -1, -1):
        fr = frames[i]
        ok, why = _is_user(fr, project_root)
        if ok and fr.path.startswith("<string>") and i > 0:
            # `python -c` code is the outermost frame; a <string> frame called from other code
            # was exec'd by a library (SQLAlchemy builds methods this way), not typed by you.
            ok, why = False, "code a library generated with exec"
        if len(reasons) < 12:
            reasons.append(f"{fr.describe()}: {'yours' if ok else 'skipped'}, {why}")
        if ok:
            user = fr
            break
    loc_frame = user
    if loc_frame is None and frames:
        loc_frame = next(
            (fr for fr in reversed(frames) if not _is_flask_internal(fr.norm_path)),
            frames[-1],
        )
        reasons.append("no frame is yours; showing the innermost frame outside Flask and Werkzeug")
    return user, loc_frame, reasons


_LOOKUP_PROXIES = ("current_app", "g", "request", "session")
"""The names Flask gives its context proxies: what Werkzeug's proxy lookup resolves."""


def _looked_up(frames: list[Frame], at: Optional[Frame], subject: Optional[Frame]) -> list[str]:
    """The Flask proxies the code that called into Werkzeug's proxy lookup at ``at`` names:
    the nearest caller outside werkzeug/local.py (Flask's own helpers look proxies up too, as
    flash() does with session), else the user's line."""
    callers: list[Frame] = []
    if at is not None and at in frames:
        i = frames.index(at)
        while i >= 0 and frames[i].norm_path.endswith("werkzeug/local.py"):
            i -= 1
        if i >= 0:
            callers.append(frames[i])
    if subject is not None:
        callers.append(subject)
    for f in callers:
        code = f.code or ""
        names = [n for n, used in _CODE_PROXIES if n in _LOOKUP_PROXIES and used(code)]
        # Flask 2.2+ helpers look up the contexts themselves (flask/globals.py request_ctx,
        # app_ctx): `flashes = request_ctx.flashes` in get_flashed_messages.
        names += [n for n, ctx in _CONTEXT_PROXIES if _bare(code, ctx, ".")]
        if names:
            return names
    return []


_CONTEXT_PROXIES = (("request", "request_ctx"), ("current_app", "app_ctx"))
"""flask/globals.py's proxies to the contexts themselves (2.2+), and the proxy each stands for."""
