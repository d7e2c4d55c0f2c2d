"""Turn tracebacks into diagnoses by weighing evidence and walking the decision tree.

The engine knows Flask: which messages mean which error family, which frames belong to Flask and
its extensions, and how to tell the Flask version from what was printed. What each scenario looks
like lives in the knowledge (evidence rules in each cause.yaml); the engine only scores them and
walks ``tree.yaml``. It returns plain dataclasses and never prints: ctxfix.render draws them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Optional

from ctxfix.engine.families import finder
from ctxfix.knowledge import Cause, Choice, KnowledgeBase, Pattern, Rule
from ctxfix.read import Frame, Traceback, TracebackReader, is_library_path

__all__ = [
    "Explainer",
    "reconsider",
    "choice_key",
    "resolve_answer",
    "Finding",
    "Location",
    "Outcome",
    "Walk",
    "detect_family",
    "bare_messages",
    "explain_lines",
    "explain_text",
    "group",
    "walk",
]

THRESHOLD = 5.0
"""A cause is named only when its evidence adds up to this much..."""
MARGIN = 2.0
"""...and beats the runner-up by this much. Otherwise the finding lists candidates."""

_STANDARD_FIRST_LINES = (
    "working outside of application context.",
    "working outside of request context.",
)
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


@dataclass
class Location:
    """The user's own line the error came through."""

    path: str
    line: Optional[int]
    function: str
    code: str

    @classmethod
    def of(cls, frame: Frame) -> Location:
        return cls(frame.path, frame.line, frame.function, frame.code)


@dataclass
class Walk:
    """Where the decision tree ended: a cause, or a question the evidence could not answer."""

    cause: Optional[str]
    variant: Optional[str]
    answered: list[tuple[str, str, str]] = field(default_factory=list)
    pending: Optional[str] = None


@dataclass
class Finding:
    """One Flask context error found in the input, with what ctxfix concluded about it."""

    family: str
    exc_type: Optional[str]
    message: str
    proxy: Optional[str]
    location: Optional[Location]
    cause: Optional[Cause]
    variant: Optional[str]
    candidates: list[str]
    evidence: list[str]
    frame_reasons: list[str] = field(default_factory=list)
    flask_version: Optional[str] = None
    pending: Optional[str] = None
    answered: list[tuple[str, str, str]] = field(default_factory=list)
    occurrences: int = 1
    first_line: int = 0
    last_line: int = 0
    source: Optional[str] = None
    truncated: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    variant_scores: dict[str, dict[str, float]] = field(default_factory=dict)
    placed: bool = True
    """False when nothing in the text shows where the code ran (a message alone): the scores
    then only rank the candidates."""
    user_frames: list[Location] = field(default_factory=list)
    """Every frame of the user's own code, outermost first (their names fill the snippets)."""
    frames: list[Frame] = field(default_factory=list)
    """Every frame of the traceback, outermost first (what a patch is built from)."""
    more_frames: list[list[Frame]] = field(default_factory=list)
    """The frames of occurrences grouped into this one that came another way (other tests
    calling the same helper, say), up to MORE_FRAMES: a patch fixes each of them."""

    @property
    def cause_id(self) -> Optional[str]:
        return self.cause.id if self.cause is not None else None

    @property
    def headline(self) -> str:
        return self.message.strip().splitlines()[0].strip() if self.message.strip() else ""

    def key(self) -> tuple:
        loc = self.location
        return (
            self.cause_id,
            self.variant,
            self.family,
            self.proxy,
            (loc.path, loc.line) if loc else None,
            None if loc else self.headline[:80],
        )


@dataclass
class Outcome:
    """Everything explain found in one input: findings, plus what else it saw."""

    findings: list[Finding]
    tracebacks: int
    other_errors: list[str]
    truncated: int = 0
    dropped: int = 0
    """Occurrences of errors unlike every one kept, past MAX_KEPT distinct ones: counted only."""


# ---------------------------------------------------------------------------------------------


def bare_messages(kb: KnowledgeBase) -> TracebackReader:
    """A reader that finds every family's wordings even where no exception name is printed."""
    found = finder(kb)
    return TracebackReader(found.bare, hints=found.hints)


def detect_family(tb: Traceback, kb: KnowledgeBase) -> tuple[Optional[str], list[str]]:
    """The error family of a traceback and the reason; (None, []) when not a context error."""
    found = finder(kb)
    text = tb.message
    hit = found.of_message(text)
    if hit:
        family, words = hit
        return family, [f"the message says “{_clip(words)}” ({family} error)"]
    symptom = found.of_symptom(tb)
    if symptom is not None:
        return symptom.family, [symptom.why]
    head = " ".join(text.split()).lower()
    if (
        len(head) >= 8
        and any(std.startswith(head.rstrip(". ")) for std in _STANDARD_FIRST_LINES)
        and tb.frames
    ):
        family = _family_from_frames(tb, kb)
        return family, [
            f"the message is cut off (“{_clip(text)}”); the frames point to a {family} error"
        ]
    lead = found.of_lead(text)
    if lead is not None:
        # Only the explanation's first line, shared by the app and request messages.
        family = _family_from_frames(tb, kb) if tb.frames else lead[0]
        return family, [
            f"the message holds only the start of Flask's explanation (“{_clip(lead[1])}”)"
        ]
    for _, chained_msg, _ in tb.chain:
        hit = found.of_message(chained_msg)
        if hit:
            # The last exception was raised while handling it (or `from` it): wrapped, or an
            # error handler that failed on the way; the context error is what went wrong.
            last = f"; the last one, {tb.exc_type}, came while handling it" if tb.exc_type else ""
            return hit[0], [f"an earlier exception in the chain is a {hit[0]} error{last}"]
    return None, []


def _family_from_frames(tb: Traceback, kb: KnowledgeBase) -> Optional[str]:
    """Guess the family of a traceback cut off before its exception line."""
    frames = tb.all_frames()
    user = _innermost_user(frames)
    cut = _family_from_cut(tb, kb, user)
    if cut is not None:
        return cut[0]
    for f in reversed(frames):
        p, fn = f.norm_path, f.function
        if p.endswith("flask/app.py") and fn in ("url_for", "create_url_adapter"):
            # Flask.url_for runs only with an app context, so what failed there is SERVER_NAME.
            return "url-adapter"
        if p.endswith("flask/helpers.py") and fn == "url_for" and f is frames[-1]:
            # Flask <= 2.1 raised from url_for itself: with the message cut off, the adapter
            # error is the likelier of the two it raises there.
            return "url-adapter"
        if p.endswith("werkzeug/local.py"):
            user = _innermost_user(frames)
            if user is not None and _proxy_in_code(user.code) in _REQUEST_PROXIES:
                return "request-context"
            return "app-context"
    user = _innermost_user(frames)
    proxy = _proxy_in_code(user.code) if user else None
    if proxy in _REQUEST_PROXIES:
        return "request-context"
    if any(f.norm_path.endswith("flask/cli.py") for f in frames) and (
        (user is not None and user.function != "<module>")
        or (
            user is None
            and any(
                f.norm_path.endswith("click/core.py") and f.function == "invoke" for f in frames
            )
            and not any(re.search(r"\bflask(?:\.exe)? run\b", c) for c in tb.context)
        )
    ):
        # A command of the flask CLI runs with an app context (2.2+), so what is missing in
        # the command's code is a request. (Below the CLI with only a module's top level, or
        # before click invoked a command, or in `flask run`, the CLI was loading the app.)
        return "request-context"
    for f in reversed(frames):
        if re.search(
            r"flask_login|flask/sessions\.py|session_protection", f.norm_path + f.function
        ):
            return "request-context"
    return "app-context"


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
    if re.search(_LAUNCHER, p):
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


# ---------------------------------------------------------------------------------------------
# Evidence


@dataclass
class _Facts:
    """What evidence rules are matched against for one traceback."""

    tb: Traceback
    family: str
    proxy: Optional[str]
    user: Optional[Frame]
    frames: list[Frame]
    context: list[str]
    tags: frozenset[str] = frozenset()


def _is_test_path(p: str) -> bool:
    name = p.rsplit("/", 1)[-1]
    return (
        any(f"/{d}/" in "/" + p for d in ("tests", "test", "testing"))
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith(("_test.py", "_tests.py"))
        or name == "conftest.py"
    )


def _is_import_machinery(p: str) -> bool:
    return p.startswith("<frozen importlib") or p.endswith(
        ("importlib/__init__.py", "flask/cli.py")
    )


def _tags(
    tb: Traceback,
    frames: list[Frame],
    user: Optional[Frame],
    project_root: Optional[str],
    yours: bool = True,
) -> frozenset[str]:
    """Generic facts about a traceback's shape, for evidence rules to weigh. ``user`` is the
    user's frame, or the frame standing in for it (``yours`` False)."""
    tags: set[str] = set()
    if frames:
        tags.add("has-frames")
    if frames and not yours:
        tags.add("no-user-frame")
    if tb.truncated:
        tags.add("truncated")
    if tb.shape.startswith("pytest"):
        tags.add("pytest-output")
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
    if len(modules) >= 2 or (importing and "module-level" in tags):
        tags.add("import-chain")
    # The final exception's own frames: an earlier chained one (a KeyError before Flask-SQLAlchemy
    # 2.x's "No application found") starts somewhere else.
    first = (tb.frames or frames)[0]
    if (
        first.function == "<module>"
        and _is_user(first, project_root)[0]
        and "interactive" not in tags
        and not _is_interactive(first.path)
        and "import-chain" not in tags
        and "test-file" not in tags
    ):
        tags.add("script-top")
    idx = max(i for i, f in enumerate(frames) if f is user)
    if idx + 1 < len(frames):
        callee = frames[idx + 1].norm_path
        if re.search(r"(?:^|/)flask_\w+(?:/|\.py$)", callee):
            tags.add("calls-extension")
    if (
        re.fullmatch(r"[A-Z]\w*", user.function or "")
        and idx > 0
        and (frames[idx - 1].function == "<module>")
    ):
        tags.add("class-body")
    return frozenset(tags)


def _match(rule: Rule, f: _Facts) -> Optional[str]:
    """The evidence line if ``rule`` matches, else None."""
    if rule.family and f.family not in rule.family:
        return None
    if rule.tags and not all(t in f.tags for t in rule.tags):
        return None
    if rule.no_tags and any(t in f.tags for t in rule.no_tags):
        return None
    subs: dict[str, str] = {}
    if rule.message is not None:
        m = rule.message.search(f.tb.message[:4000])
        if not m:
            return None
        subs["match"] = m.group(0)
    if rule.proxy is not None and not (f.proxy and rule.proxy.search(f.proxy)):
        return None
    if rule.code is not None:
        if f.user is None or not rule.code.search(f.user.code):
            return None
        subs["frame"] = f.user.describe()
        subs["code"] = f.user.code
    if rule.user_frame is not None:
        if f.user is None or not _frame_ok(rule.user_frame, f.user):
            return None
        subs["frame"] = f.user.describe()
        subs["code"] = f.user.code
    if rule.outer_frame is not None:
        outer = (f.tb.frames or f.frames)[:1]
        if not outer or not _frame_ok(rule.outer_frame, outer[0]):
            return None
        subs.setdefault("frame", outer[0].describe())
        subs.setdefault("code", outer[0].code)
    if rule.frame is not None:
        hit = next((fr for fr in reversed(f.frames) if _frame_ok(rule.frame, fr)), None)
        if hit is None:
            return None
        subs.setdefault("frame", hit.describe())
        subs.setdefault("code", hit.code)
    if rule.context is not None:
        line = next((c for c in f.context if rule.context.search(c)), None)
        if line is None:
            return None
        subs["line"] = _clip(line, 100)
    if f.user is not None:
        subs.setdefault("frame", f.user.describe())
        subs.setdefault("code", f.user.code)
    text = rule.says
    for k, v in subs.items():
        text = text.replace("{" + k + "}", v)
    return text


def _frame_ok(spec: dict[str, re.Pattern], fr: Frame) -> bool:
    for key, pat in spec.items():
        value = fr.norm_path if key == "path" else fr.function if key == "function" else fr.code
        if not pat.search(value or ""):
            return False
    return True


def _score(
    kb: KnowledgeBase, facts: _Facts
) -> tuple[dict[str, float], dict[str, list[str]], dict[str, dict[str, float]]]:  # noqa: E501
    scores: dict[str, float] = {}
    says: dict[str, list[str]] = {}
    variants: dict[str, dict[str, float]] = {}
    for cause in kb.causes.values():
        if facts.family not in cause.families:
            continue
        total = 0.0
        lines: list[str] = []
        vv: dict[str, float] = {}
        for rule in cause.evidence:
            said = _match(rule, facts)
            if said is None:
                continue
            if rule.variant:
                vv[rule.variant] = vv.get(rule.variant, 0.0) + max(rule.weight, 0.5)
            total += rule.weight
            if rule.weight > 0 and said not in lines:
                lines.append(said)
        scores[cause.id] = total
        says[cause.id] = lines
        variants[cause.id] = vv
    return scores, says, variants


# ---------------------------------------------------------------------------------------------
# The tree


def walk(
    kb: KnowledgeBase,
    family: Optional[str],
    answers: Optional[dict[str, str]] = None,
    scores: Optional[dict[str, float]] = None,
    variant_scores: Optional[dict[str, dict[str, float]]] = None,
) -> Walk:
    """Walk the tree from the start, answering each question from ``answers`` (given by the
    user), then from the error family, then from the evidence scores. Stops at the first
    question nothing can answer."""
    answers = answers or {}
    scores = scores or {}
    variant_scores = variant_scores or {}
    result = Walk(None, None)
    qid: Optional[str] = kb.start
    seen: set[str] = set()
    while qid is not None and qid not in seen:
        seen.add(qid)
        q = kb.questions[qid]
        choice, how = _answer(kb, q.id, q.choices, family, answers, scores, variant_scores)
        if choice is None:
            result.pending = qid
            return result
        result.answered.append((qid, choice.label, how))
        if choice.cause:
            result.cause, result.variant = choice.cause, choice.variant
            return result
        qid = choice.next
    return result


def choice_key(choice: Choice, index: int, kb: Optional[KnowledgeBase] = None) -> str:
    """The short name of a choice for --answer.

    Its error family, else its variant or cause, else the one cause its sub-questions lead to,
    else the id of the question it leads to.
    """
    if choice.families:
        return choice.families[0]
    if choice.variant or choice.cause:
        return choice.variant or choice.cause or ""
    if kb is not None:
        under = kb.reachable(choice)
        if len(under) == 1:
            return next(iter(under))
    return choice.next or str(index + 1)


def resolve_answer(
    q_choices: list[Choice], value: str, kb: Optional[KnowledgeBase] = None
) -> Optional[Choice]:
    """Find the choice an --answer value names: its number, its key, a cause it leads to, or
    the start of its label."""
    v = value.strip().lower()
    for i, ch in enumerate(q_choices):
        if v in (str(i + 1), choice_key(ch, i, kb).lower(), (ch.next or "").lower()):
            return ch
    if kb is not None:
        leading = [ch for ch in q_choices if v in kb.reachable(ch)]
        if len(leading) == 1:
            return leading[0]
    for ch in q_choices:
        if len(v) >= 3 and ch.label.lower().strip("\"'`").startswith(v):
            return ch
    return None


def _answer(
    kb: KnowledgeBase,
    qid: str,
    choices: list[Choice],
    family: Optional[str],
    answers: dict[str, str],
    scores: dict[str, float],
    variant_scores: dict[str, dict[str, float]],
) -> tuple[Optional[Choice], str]:
    if qid in answers:
        ch = resolve_answer(choices, answers[qid], kb)
        if ch is not None:
            return ch, "you answered"
    if family:
        fam = [ch for ch in choices if family in ch.families]
        if len(fam) == 1:
            return fam[0], "the error message"
    if not scores:
        return None, ""
    rated = []
    for ch in choices:
        causes = kb.reachable(ch)
        best = max((scores.get(c, 0.0) for c in causes), default=0.0)
        if ch.cause and ch.variant:
            best += variant_scores.get(ch.cause, {}).get(ch.variant, 0.0) * 0.5
        rated.append((best, ch))
    rated.sort(key=lambda x: -x[0])
    top = rated[0][0]
    second = rated[1][0] if len(rated) > 1 else 0.0
    same_cause = len(rated) > 1 and rated[0][1].cause and rated[0][1].cause == rated[1][1].cause
    if same_cause:
        if top > second:
            return rated[0][1], "the evidence"
        return None, ""
    if top >= THRESHOLD and top - second >= MARGIN:
        return rated[0][1], "the evidence"
    return None, ""


# ---------------------------------------------------------------------------------------------


MAX_KEPT = 1000
"""Distinct findings one input keeps; later new ones are only counted (memory stays bounded)."""
_MAX_CACHED = 4000


class Explainer:
    """Streams lines in, findings out: the engine behind explain, `run` and the pytest plugin."""

    def __init__(self, kb: KnowledgeBase, project_root: Optional[str] = None) -> None:
        self.kb = kb
        self.project_root = project_root
        self.reader = bare_messages(kb)
        self.tracebacks = 0
        self.truncated = 0
        self.other_errors: list[str] = []
        # Logs repeat the same traceback many times: diagnose each distinct one once. Keys are
        # hashes, so the cache holds no input text. The log lines around a traceback are only
        # compared (their patterns compiled) when a traceback comes again.
        self._first: dict[int, tuple[list[str], Optional[Finding]]] = {}
        self._seen: dict[tuple[int, tuple], Optional[Finding]] = {}
        self._kept: set[tuple] = set()
        self.dropped = 0
        # The log lines before a traceback count only through evidence rules and family signs
        # with `context`.
        seen_pats: dict[str, Pattern] = {}
        for cause in kb.causes.values():
            for rule in cause.evidence:
                if rule.context is not None:
                    seen_pats.setdefault(rule.context.pattern, rule.context)
        for signs in kb.signs.values():
            for sign in signs.context:
                if sign.line is not None:
                    seen_pats.setdefault(sign.line.pattern, sign.line)
        self._context_patterns = tuple(seen_pats.values())
        # Set to a list by a reader of the second half of a log: pytest summary records wait
        # there until the first half's reader says whether it saw their error (take_over).
        self.held: Optional[list[Traceback]] = None

    def feed(self, line: str) -> list[Finding]:
        """Read one line; return the findings it completes."""
        return self._diagnose_all(self.reader.feed(line))

    def close(self) -> list[Finding]:
        """Finish the input; return the findings still open."""
        return self._diagnose_all(self.reader.close())

    def release(self) -> list[Finding]:
        """Findings of records the reader can hand out now (see TracebackReader.release)."""
        return self._diagnose_all(self.reader.release())

    def hand_over(self, found: list[Finding]) -> dict:
        """What this explainer found, as plain picklable data for :meth:`take_over`.

        Used by the process that read the second half of a big log (:mod:`ctxfix.read.parallel`).
        Causes travel as ids; pytest summary records held back travel as records.
        """
        return {
            "found": [(replace(f, cause=None), f.cause_id) for f in found],
            "tracebacks": self.tracebacks,
            "truncated": self.truncated,
            "dropped": self.dropped,
            "other_errors": self.other_errors,
            "held": self.held or [],
            "lines": self.reader.lineno,
        }

    def take_over(self, part: dict, line_offset: int) -> list[Finding]:
        """Add what another explainer read after this one stopped, ``line_offset`` lines in.

        Returns its findings with line numbers counted from the start of the whole input. Its
        held-back pytest summary lines are dropped when this explainer read their error
        already, as one reader going through the whole input would have done.
        """
        out = []
        for f, cause_id in part["found"]:
            f.cause = self.kb.causes.get(cause_id) if cause_id else None
            f.first_line += line_offset
            f.last_line += line_offset
            if self._keeps(f):
                out.append(f)
        self.tracebacks += part["tracebacks"]
        self.truncated += part["truncated"]
        self.dropped += part["dropped"]
        self.other_errors.extend(part["other_errors"][: max(0, 20 - len(self.other_errors))])
        kept = []
        for tb in part["held"]:
            if not self.reader.seen_before(tb.message):
                tb.start_line += line_offset
                tb.end_line += line_offset
                kept.append(tb)
        out.extend(self._diagnose_all(kept))
        self.reader.skip(part["lines"])  # the reader ends on the last line, as one pass would
        return out

    def _diagnose_all(self, tbs: list[Traceback]) -> list[Finding]:
        out = []
        for tb in tbs:
            if self.held is not None and tb.shape == "pytest-summary":
                self.held.append(tb)
                continue
            self.tracebacks += 1
            f = self._diagnosis(tb)
            if f is not None:
                if self._keeps(f):
                    out.append(f)
            elif tb.truncated:
                self.truncated += 1
            elif tb.exc_type and len(self.other_errors) < 20:
                head = f"{tb.exc_type}: {tb.first_message_line}" if tb.message else tb.exc_type
                self.other_errors.append(_clip(head, 90))
        return out

    def _diagnosis(self, tb: Traceback) -> Optional[Finding]:
        """The diagnosis of ``tb``, from the cache when the same traceback came before."""
        key = _identity(tb)
        first = self._first.get(key)
        if first is None:
            f = diagnose(self.kb, tb, project_root=self.project_root)
            if len(self._first) < _MAX_CACHED:
                self._first[key] = (_context_lines(tb.context), f)
            return f
        full = (key, _context_key(tb.context, self._context_patterns))
        if full not in self._seen:
            first_full = (key, _context_key(first[0], self._context_patterns))
            self._seen.setdefault(first_full, first[1])
        if full in self._seen:
            known = self._seen[full]
            if known is None:
                return None
            return replace(known, first_line=tb.start_line, last_line=tb.end_line, occurrences=1)
        f = diagnose(self.kb, tb, project_root=self.project_root)
        if len(self._seen) < _MAX_CACHED:
            self._seen[full] = f
        return f

    def _keeps(self, f: Finding) -> bool:
        """Whether a finding is kept: one like it was, or fewer than MAX_KEPT unlike ones."""
        k = f.key()
        if k in self._kept:
            return True
        if len(self._kept) >= MAX_KEPT:
            self.dropped += f.occurrences
            return False
        self._kept.add(k)
        return True


# Numbers, and ids made of dash-joined hex groups (Celery task ids are UUIDs).
_DIGITS = re.compile(r"\b[0-9a-fA-F]+(?:-[0-9a-fA-F]+){3,}\b|\d+")


def _identity(tb: Traceback) -> int:
    """What a diagnosis depends on, but for the log lines around it (see _context_key)."""
    return hash(
        (
            tuple((f.path, f.line, f.function, f.code) for f in tb.all_frames()),
            tb.exc_type,
            tb.message[:400],
            tuple((t, m[:400]) for t, m, _ in tb.chain),
            tb.truncated,
            tb.shape,
        )
    )


def _context_key(context: list[str], patterns: tuple[Pattern, ...]) -> tuple:
    """What a diagnosis takes from the log lines around a traceback.

    Only the first line each ``context`` pattern (of an evidence rule or a family sign) finds
    matters, with its numbers and ids ignored, so timestamps do not count: an access-log line in
    front of each copy of the same error does not make it a new one.
    """
    lines = _context_lines(context)
    return tuple(next((_DIGITS.sub("0", c) for c in lines if p.search(c)), None) for p in patterns)


def _context_lines(context: list[str]) -> list[str]:
    """The part of the lines around a traceback its cache key reads (bounded memory)."""
    return [c[:400] for c in context[-30:]]


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


def _family_from_cut(
    tb: Traceback, kb: KnowledgeBase, subject: Optional[Frame]
) -> Optional[tuple[str, list[str]]]:
    """The family of a paste that ends before its error line, when its last frames are where
    Flask, Werkzeug or an extension look up the context (the signs of families.yaml), or a
    raise line holding a family's words."""
    found = finder(kb)
    frames = tb.all_frames()
    lead = "the paste ends before its error line; "
    for hit in found.frame_signs(frames):
        family = hit.family
        if hit.sign is not None and hit.sign.by_proxy:
            names = _looked_up(frames, hit.frame, subject)
            if not names:
                continue  # some other proxy (Flask-Login's current_user...) was being looked up
            family = "request-context" if names[0] in _REQUEST_PROXIES else "app-context"
        return family, [lead + hit.why]
    seen = found.of_context(tb.context)
    if seen is not None:
        return seen.family, [lead + seen.why]
    for f in reversed(frames[-3:]):
        code = f.code.strip()
        if code.startswith(("raise ", "'", '"')):
            words = found.of_message(code)
            if words is not None:
                said = f"the line that raised holds the words “{words[1]}” ({f.describe()})"
                return words[0], [lead + said]
    return None


def diagnose(
    kb: KnowledgeBase,
    tb: Traceback,
    answers: Optional[dict[str, str]] = None,
    project_root: Optional[str] = None,
) -> Optional[Finding]:
    """Diagnose one traceback; None when it is not a Flask context error."""
    family, family_why = detect_family(tb, kb)
    frames = tb.all_frames()
    user, loc_frame, reasons = _find_user(frames, project_root)
    guessed = False
    if family is None:
        if not tb.truncated:
            return None
        cut = _family_from_cut(tb, kb, user or loc_frame)
        if cut is not None:
            family, family_why = cut
        else:
            family = _family_from_frames(tb, kb)
            guessed = True
    proxy, proxy_why = _detect_proxy(tb, family, user or loc_frame)
    context = list(tb.context)
    # With no frame of the user's own, the innermost caller of Flask stands in for it: that is
    # the code that set things up (often an app packaged into site-packages).
    subject = user or loc_frame
    facts = _Facts(
        tb,
        family,
        proxy,
        subject,
        frames,
        context,
        _tags(tb, frames, subject, project_root, yours=user is not None),
    )
    scores, says, vscores = _score(kb, facts)
    # A message with no frames and no log lines around it cannot tell where the code ran:
    # the evidence only ranks candidates, and the cause stays open.
    placed = bool(frames) or any(
        rule.context is not None and _match(rule, facts) is not None
        for cause in kb.causes.values()
        if family in cause.families
        for rule in cause.evidence
    )

    if guessed:
        # A cut-off traceback counts only when Flask's world is in it: a frame of Flask,
        # Werkzeug, an extension or a library that runs Flask code (Celery, RQ, APScheduler...),
        # or a line using a context name; and only when some cause's evidence is strong.
        flaskish = any(
            _is_flask_internal(f.norm_path) or re.search(_CODE_FLASKISH, f.code or "")
            for f in frames
        )
        if not flaskish or max(scores.values(), default=0.0) < THRESHOLD:
            return None

    w = walk(kb, family, answers, scores if placed else {}, vscores)
    ranked = sorted((c for c in scores if scores[c] > 0), key=lambda c: -scores[c])
    cause_id, variant = w.cause, w.variant
    if cause_id is None and ranked and placed and not (answers and w.pending):
        top = scores[ranked[0]]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if top >= THRESHOLD and top - second >= MARGIN:
            cause_id = ranked[0]
    if cause_id is not None and variant is None:
        vv = vscores.get(cause_id, {})
        if vv:
            variant = max(vv, key=lambda k: vv[k])
    cause = kb.causes.get(cause_id) if cause_id else None

    evidence = list(family_why)
    if guessed:
        evidence = [f"the paste ends before its error line; the frames point to a {family} error"]
    if not placed and cause is None:
        evidence.append(
            "the paste holds the message but nothing of where the code ran (no frames, no log "
            "lines): the whole traceback, or your answer to the question below, settles it"
        )
    if proxy:
        evidence.append(f"the failing name is {proxy}: {proxy_why}")
    version, version_why = _flask_version(tb, family)
    if version_why:
        evidence.append(version_why)
    if cause is not None:
        evidence.extend(says.get(cause.id, []))
    else:
        for c in ranked[:3]:
            evidence.extend(says.get(c, [])[:2])
    candidates = ranked[:5]
    if cause is None and not candidates and w.pending:
        in_family = {c.id for c in kb.causes.values() if family in c.families}
        candidates = sorted(kb.causes_under(w.pending) & in_family)
    pending = None
    if cause is None:
        pending = w.pending
    elif variant is None and cause.variants:
        pending = w.pending
    return Finding(
        family=family,
        exc_type=tb.exc_type or ("RuntimeError" if not guessed else None),
        message=tb.message,
        proxy=proxy,
        location=Location.of(loc_frame) if loc_frame is not None else None,
        cause=cause,
        variant=variant,
        candidates=candidates,
        evidence=_dedupe(evidence),
        frame_reasons=reasons,
        flask_version=version,
        pending=pending,
        answered=w.answered,
        first_line=tb.start_line,
        last_line=tb.end_line,
        truncated=tb.truncated,
        scores={c: round(s, 2) for c, s in scores.items() if s},
        variant_scores={c: v for c, v in vscores.items() if v},
        placed=placed,
        user_frames=[Location.of(fr) for fr in frames if _is_user(fr, project_root)[0]],
        frames=frames,
    )


def reconsider(kb: KnowledgeBase, f: Finding, answers: dict[str, str]) -> Finding:
    """The same finding, with the user's answers to the tree's questions taken into account."""
    w = walk(kb, f.family, answers, f.scores if f.placed else {}, f.variant_scores)
    new = replace(f, evidence=list(f.evidence), answered=w.answered)
    for qid, label, how in w.answered:
        if how == "you answered":
            new.evidence.append(f"you answered “{kb.questions[qid].text}” with “{label}”")
    if w.cause is not None:
        same = f.cause is not None and f.cause.id == w.cause
        new.cause = kb.causes[w.cause]
        new.variant = w.variant or (f.variant if same else None)
        new.pending = None
    else:
        new.pending = w.pending if (f.cause is None or f.variant is None) else None
    new.evidence = _dedupe(new.evidence)
    return new


def explain_lines(
    kb: KnowledgeBase, lines: Iterable[str], project_root: Optional[str] = None
) -> Outcome:
    """Explain every context error in ``lines`` (streamed), grouping identical ones."""
    ex = Explainer(kb, project_root)
    found: list[Finding] = []
    for line in lines:
        found.extend(ex.feed(line))
    found.extend(ex.close())
    return Outcome(group(found), ex.tracebacks, ex.other_errors, ex.truncated, ex.dropped)


def explain_text(text: str, kb: KnowledgeBase, project_root: Optional[str] = None) -> list[Finding]:
    """Explain every context error in ``text``; identical errors are grouped with a count."""
    return explain_lines(kb, text.splitlines(), project_root).findings


MORE_FRAMES = 50


def group(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings with the same cause, location and proxy, keeping first and last lines."""
    out: dict[tuple, Finding] = {}
    for f in findings:
        k = f.key()
        if k in out:
            g = out[k]
            g.occurrences += f.occurrences
            g.last_line = max(g.last_line, f.last_line)
            g.first_line = min(g.first_line, f.first_line)
            for frames in (f.frames, *f.more_frames):
                if len(g.more_frames) < MORE_FRAMES and frames != g.frames:
                    if frames not in g.more_frames:
                        # a new list: copies of one cached diagnosis share the old one
                        g.more_frames = [*g.more_frames, frames]
        else:
            out[k] = f
    return list(out.values())


def _clip(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
