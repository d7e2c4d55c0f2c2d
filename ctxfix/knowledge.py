"""Find, load, validate and lint the YAML knowledge: the causes and the decision tree.

Knowledge lives in folders: ``tree.yaml`` beside ``causes/<id>/cause.yaml``. The bundled folder
ships inside the package; users add their own with ``--knowledge-dir`` or
``CTXFIX_KNOWLEDGE_PATH``. A user cause with a bundled id replaces the bundled one.

YAML is only ever read with PyYAML's safe loader. Valid knowledge is cached as JSON keyed by the
files' sizes and modification times, so the explain path does not even import PyYAML once warm.
"""

from __future__ import annotations

import math
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Collection, Iterable, Optional

if TYPE_CHECKING:
    from pathlib import Path

from ctxfix import __version__
from ctxfix._record import Factory, Record
from ctxfix.cache import Cache, cache_dir, key_of

__all__ = [
    "PLACEHOLDERS",
    "TAGS",
    "Cause",
    "Choice",
    "FamilySigns",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Question",
    "Rule",
    "Sign",
    "Snippet",
    "Variant",
    "bundled_dir",
    "lint",
    "load",
    "user_dirs",
]

PLACEHOLDERS = (
    "function",
    "module",
    "package",
    "proxy",
    "file",
    "line",
    "code",
    "app",
    "db",
    "factory",
    "factory_module",
    "test",
    "entry",
)
"""The names a snippet may use as {{name|default}}; ctxfix.render.templates fills them."""
TAGS = (
    "has-frames",
    "truncated",
    "module-level",
    "script-top",
    "import-chain",
    "interactive",
    "no-user-frame",
    "test-file",
    "class-body",
    "calls-extension",
    "pytest-output",
    "event-loop",
)
"""Facts the engine derives from a traceback's shape; evidence rules may require them."""
ENV_PATH = "CTXFIX_KNOWLEDGE_PATH"
MAX_FILE_BYTES = 1024 * 1024
"""The largest knowledge file read; the biggest bundled cause.yaml is under 10 KB."""

_ID = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
_PLACEHOLDER = r"\{\{\s*([A-Za-z_]\w*)\s*(?:\|([^}]*))?\}\}"
_OFFICIAL_DOCS = (
    r"^https://(?:flask\.palletsprojects\.com|werkzeug\.palletsprojects\.com"
    r"|click\.palletsprojects\.com|flask-sqlalchemy\.readthedocs\.io"
    r"|flask-sqlalchemy\.palletsprojects\.com|docs\.celeryq\.dev|apscheduler\.readthedocs\.io"
    r"|python-rq\.org|docs\.pytest\.org|pytest-flask\.readthedocs\.io"
    r"|flask-socketio\.readthedocs\.io|viniciuschiele\.github\.io/flask-apscheduler"
    r"|docs\.python\.org|dramatiq\.io|huey\.readthedocs\.io|schedule\.readthedocs\.io"
    r"|flask-login\.readthedocs\.io|python-babel\.github\.io/flask-babel"
    r"|flask-mail\.readthedocs\.io|www\.gevent\.org|eventlet\.readthedocs\.io"
    r"|quart\.palletsprojects\.com|www\.sphinx-doc\.org|connexion\.readthedocs\.io)/"
)

# Lint codes are stable: never renumber or reuse one. docs/writing-a-cause.md lists them.
CODES = {
    "CTX001": "the file cannot be read or is not valid YAML",
    "CTX002": "an unknown key",
    "CTX003": "a required key is missing",
    "CTX004": "a value has the wrong type or is empty",
    "CTX005": "a cause id is malformed or differs from its folder name",
    "CTX006": "an id is defined twice",
    "CTX007": "an unknown error family",
    "CTX008": "an evidence pattern is not a valid regular expression",
    "CTX009": "a tree choice leads to a question or cause that does not exist",
    "CTX010": "a cause cannot be reached from the tree",
    "CTX011": "the tree has a cycle",
    "CTX012": "a cause has no fix, verify or quick_reference",
    "CTX013": "a template uses an unknown placeholder",
    "CTX014": "why is not 3 to 6 sentences",
    "CTX015": "a reference is not an official documentation address",
    "CTX016": "an unknown variant is named",
    "CTX017": "an evidence rule matches nothing or has no weight",
    "CTX018": "a tree choice must lead to exactly one of next or cause",
    "CTX019": "an evidence rule names an unknown tag",
    "CTX020": "a family's message holds none of its skim words, so big logs would miss it",
    "CTX021": "the YAML uses an alias (*name)",
    "CTX022": "an evidence pattern can take quadratic or exponential time on a long line",
    "CTX023": "a knowledge folder holds no cause, or YAML that is not a cause",
}

_CAUSE_KEYS = {
    "id": str,
    "title": str,
    "summary": str,
    "families": list,
    "why": str,
    "fix": list,
    "verify": str,
    "quick_reference": dict,
    "versions": list,
    "references": list,
    "variants": list,
    "evidence": list,
    "tree": dict,
}
_REQUIRED = ("id", "title", "summary", "families", "why")
_RULE_MATCHERS = (
    "family",
    "message",
    "frame",
    "user_frame",
    "caller_frame",
    "outer_frame",
    "context",
    "proxy",
    "code",
    "tags",
)
_RULE_KEYS = set(_RULE_MATCHERS) | {"id", "weight", "says", "variant", "no_tags"}
_FRAME_KEYS = {"path", "function", "code"}


class Pattern:
    """A case-insensitive regular expression, compiled the first time it is needed.

    Most evidence patterns are plain text (a file name, a function name, alternatives of those,
    perhaps anchored with ^ or $). Those are matched with string operations and never compiled:
    compiling every rule's regex would cost more than a whole diagnosis.
    """

    __slots__ = ("pattern", "_re", "_literals", "_needs", "_cached")

    def __init__(self, pattern: str, cached: Any = None) -> None:
        self.pattern = pattern
        self._re: Optional[re.Pattern] = None
        # What the pattern's source says (literal alternatives, or words every match holds):
        # read on first use, from ``cached`` (the knowledge cache's JSON) when that holds it.
        self._literals: Any = _UNREAD
        self._needs: Optional[tuple[str, ...]] = None
        self._cached = cached

    def _read(self) -> None:
        if self._literals is _UNREAD:
            known = _analysis_from_json(self._cached)
            self._literals, self._needs = known if known is not None else analyse(self.pattern)

    def words(self) -> Optional[tuple[str, ...]]:
        """Lower-case texts one of which every match holds; None when no such texts are known."""
        self._read()
        if self._literals is not None:
            return tuple(lit for lit, _, _ in self._literals)
        return self._needs

    def search(self, text: str) -> Any:
        self._read()
        if self._literals is not None:
            low = text.lower()
            for lit, head, tail in self._literals:
                if head and tail:
                    hit = low == lit
                elif head:
                    hit = low.startswith(lit)
                elif tail:
                    hit = low.endswith(lit)
                else:
                    hit = lit in low
                if hit:
                    i = len(low) - len(lit) if tail and not head else max(low.find(lit), 0)
                    return _Hit(text[i : i + len(lit)])
            return None
        if self._needs is not None:
            low = text.lower()
            if not any(w in low for w in self._needs):
                return None  # a text without the words it needs: no need to compile
        if self._re is None:
            self._re = re.compile(self.pattern, re.IGNORECASE)
        return self._re.search(text)


_UNREAD = object()

Analysis = tuple[Optional[list[tuple[str, bool, bool]]], Optional[tuple[str, ...]]]
"""What a pattern's source says: its literal alternatives (text, anchored at start, anchored at
end) when it is only literal text, else the words every match holds (None: no such words)."""


def analyse(pattern: str) -> Analysis:
    """Read ``pattern``'s source for what :class:`Pattern` can match without compiling it."""
    if pattern.startswith("(?i)"):
        pattern = pattern[4:]  # every pattern ignores case already
    literals = _literal_alternatives(pattern)
    if literals is not None:
        return literals, None
    from ctxfix._literals import required_words

    return None, required_words(pattern)


class _Patterns:
    """Makes the knowledge's patterns: one :class:`Pattern` per distinct source text, so rules
    that share a pattern share its analysis and its compiled regex; the analysis comes from the
    knowledge cache when it holds one (reading a pattern's source costs about 20 microseconds,
    and a diagnosis reads about a hundred)."""

    def __init__(self, known: Any = None) -> None:
        self.known: dict = known if isinstance(known, dict) else {}
        self.made: dict[str, Pattern] = {}

    def __call__(self, text: str) -> Pattern:
        made = self.made.get(text)
        if made is None:
            made = self.made[text] = Pattern(text, self.known.get(text))
        return made

    def table(self) -> dict[str, list]:
        """Every pattern's analysis, for the knowledge cache (JSON)."""
        out: dict[str, list] = {}
        for text in self.made:
            literals, needs = analyse(text)
            out[text] = [
                [list(alt) for alt in literals] if literals is not None else None,
                list(needs) if needs is not None else None,
            ]
        return out


def _analysis_from_json(item: Any) -> Optional[Analysis]:
    """An analysis the cache held, or None (then it is worked out again) if it is not one."""
    if not (isinstance(item, list) and len(item) == 2):
        return None
    literals, needs = item
    if literals is not None:
        if (
            not isinstance(literals, list)
            or not literals
            or not all(
                isinstance(a, list)
                and len(a) == 3
                and isinstance(a[0], str)
                and a[0]
                and isinstance(a[1], bool)
                and isinstance(a[2], bool)
                for a in literals
            )
        ):
            return None
        return [(a[0], a[1], a[2]) for a in literals], None
    if needs is not None and not (
        isinstance(needs, list) and needs and all(isinstance(w, str) and w for w in needs)
    ):
        return None
    return None, tuple(needs) if needs is not None else None


class _Hit:
    """What a literal pattern's search returns: enough of re.Match for evidence lines."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def group(self, _: int = 0) -> str:
        return self.text


_META = set(".^$*+?{}[]()|\\")


_START, _END = "\x00", "\x01"
_MAX_ALTERNATIVES = 64


def _literal_alternatives(pattern: str) -> Optional[list[tuple[str, bool, bool]]]:
    r"""``pattern`` as (text, anchored at start, anchored at end) alternatives, if it is only
    literal text; None when it needs the regex engine.

    Literal text may use ``^``, ``$``, escaped punctuation, ``|``, non-capturing groups and
    ``?`` after a group or a character: ``(?:^|/)click/core\.py$`` is the alternatives
    ``click/core.py`` at the start and ``/click/core.py`` at the end.
    """
    try:
        expanded, rest = _expand(pattern, 0)
    except ValueError:
        return None
    if rest != len(pattern) or not expanded:
        return None
    alts: list[tuple[str, bool, bool]] = []
    for text in expanded:
        head, tail = text.startswith(_START), text.endswith(_END)
        body = text[1 if head else 0 : len(text) - 1 if tail else len(text)]
        if not body or _START in body or _END in body:
            return None
        alts.append((body.lower(), head, tail))
    return alts


def _expand(pattern: str, i: int) -> tuple[list[str], int]:
    """Every text the alternatives starting at ``i`` can match, up to a ``)`` or the end."""
    branches = [[""]]
    while i < len(pattern):
        ch = pattern[i]
        if ch == ")":
            break
        if ch == "|":
            branches.append([""])
            i += 1
            continue
        if ch == "(":
            if not pattern.startswith("(?:", i):
                raise ValueError("capturing group or extension")
            piece, i = _expand(pattern, i + 3)
            if i >= len(pattern) or pattern[i] != ")":
                raise ValueError("unclosed group")
            i += 1
        elif ch == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1].isalnum():
                raise ValueError("class escape")  # \d, \w, \b... or a dangling backslash
            piece, i = [pattern[i + 1]], i + 2
        elif ch in "^$":
            piece, i = [_START if ch == "^" else _END], i + 1
        elif ch in _META:
            raise ValueError("regex syntax")
        else:
            piece, i = [ch], i + 1
        if i < len(pattern) and pattern[i] == "?":
            piece, i = [*piece, ""], i + 1
        elif pattern.startswith("{", i):  # {m} or {m,n} with small counts: each an alternative
            close = pattern.find("}", i)
            if close < 0:
                raise ValueError("quantifier")
            low, comma, high = pattern[i + 1 : close].partition(",")
            high = high if comma else low
            if not (low.isdigit() and high.isdigit()) or not int(low) <= int(high) <= 4:
                raise ValueError("quantifier")
            piece = [rep for n in range(int(low), int(high) + 1) for rep in _repeats(piece, n)]
            i = close + 1
        if i < len(pattern) and pattern[i] in "*+{?":
            raise ValueError("quantifier")
        branches[-1] = [a + b for a in branches[-1] for b in piece]
        if len(branches[-1]) > _MAX_ALTERNATIVES:
            raise ValueError("too many alternatives")
    return [text for branch in branches for text in branch], i


def _repeats(piece: list[str], n: int) -> list[str]:
    """Every text ``n`` matches of one of ``piece``'s alternatives in a row can make."""
    out = [""]
    for _ in range(n):
        out = [a + b for a in out for b in piece]
        if len(out) > _MAX_ALTERNATIVES:
            raise ValueError("too many alternatives")
    return out


class KnowledgeError(Exception):
    """Raised when knowledge files are broken; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class Problem:
    """One problem in the knowledge: where, which lint code, and what. Sorted by place."""

    __slots__ = ("path", "line", "code", "message")

    def __init__(self, path: str, line: int, code: str, message: str) -> None:
        self.path, self.line, self.code, self.message = path, line, code, message

    def _key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.code, self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self._key() == other._key()

    def __lt__(self, other: Problem) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Problem{self._key()!r}"

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


class Snippet(Record):
    """A fix or verify snippet: a title and a code template."""

    title: str
    code: str
    variant: Optional[str] = None


class Variant(Record):
    """A flavour of a cause with its own fix and verify (e.g. old vs new Celery pattern)."""

    id: str
    title: str
    summary: str = ""
    fix: list[Snippet] = Factory(list)
    verify: Optional[str] = None


class Rule(Record):
    """One evidence rule; patterns are compiled on first use."""

    id: str
    weight: float
    says: str
    message: Optional[Pattern] = None
    frame: Optional[dict[str, Pattern]] = None
    user_frame: Optional[dict[str, Pattern]] = None
    caller_frame: Optional[dict[str, Pattern]] = None
    outer_frame: Optional[dict[str, Pattern]] = None
    context: Optional[Pattern] = None
    proxy: Optional[Pattern] = None
    code: Optional[Pattern] = None
    family: tuple[str, ...] = ()
    variant: Optional[str] = None
    tags: tuple[str, ...] = ()
    no_tags: tuple[str, ...] = ()


class Sign(Record):
    """A sign of an error family other than its message: a frame, or another exception.

    ``frame`` patterns (path, function, code) must all match one frame. A frame sign is looked
    for in pastes that end before their error line; a symptom (``exc_type`` and ``message``,
    optionally with a frame) stands for the family's message. ``by_proxy`` marks a lookup that
    both request and app proxies go through: the failing name decides the family.
    """

    says: str
    frame: Optional[dict[str, Pattern]] = None
    exc_type: Optional[Pattern] = None
    message: Optional[Pattern] = None
    line: Optional[Pattern] = None
    by_proxy: bool = False
    innermost: bool = False


class FamilySigns(Record):
    """How an error family is recognised in text: the one home of every family's wordings.

    ``messages`` are lower-case phrases, each enough to name the family; ``patterns`` are
    regular expressions for wordings that vary (an extension's name inside the sentence);
    ``leads`` open a message of this family but are shared with others, so they find a message
    without deciding its family. ``skim`` holds lower-case words, at least one of which every
    phrase, pattern and lead holds as printed: big logs are skimmed for them.
    """

    id: str
    name: str
    messages: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    leads: tuple[str, ...] = ()
    skim: tuple[str, ...] = ()
    frames: list[Sign] = Factory(list)
    symptoms: list[Sign] = Factory(list)
    context: list[Sign] = Factory(list)


class Cause(Record):
    """One cause page: what happened, why, the fixes, verify, and how to recognise it."""

    id: str
    title: str
    summary: str
    families: tuple[str, ...]
    why: str
    fix: list[Snippet]
    verify: str
    quick_reference: dict[str, str]
    versions: list[dict[str, str]]
    references: list[str]
    variants: list[Variant]
    evidence: list[Rule]
    path: str
    attach: Optional[dict[str, str]] = None
    bundled: bool = True

    def variant(self, vid: Optional[str]) -> Optional[Variant]:
        for v in self.variants:
            if v.id == vid:
                return v
        return None

    def fixes_for(self, vid: Optional[str]) -> list[Snippet]:
        v = self.variant(vid)
        if v is not None and v.fix:
            return v.fix
        own = [s for s in self.fix if s.variant in (None, vid)] if vid else self.fix
        return own or self.fix

    def verify_for(self, vid: Optional[str]) -> str:
        v = self.variant(vid)
        return v.verify if v is not None and v.verify else self.verify


class Choice(Record):
    """A choice of a tree question, leading to another question or to a cause."""

    label: str
    next: Optional[str] = None
    cause: Optional[str] = None
    variant: Optional[str] = None
    families: tuple[str, ...] = ()


class Question(Record):
    """A question of the decision tree."""

    id: str
    text: str
    help: str
    choices: list[Choice]


class KnowledgeBase(Record):
    causes: dict[str, Cause]
    questions: dict[str, Question]
    start: str
    families: dict[str, Cause] = Factory(dict)
    """A page per error family, shown when the evidence cannot settle the cause."""
    signs: dict[str, FamilySigns] = Factory(dict)
    """How each error family is recognised, in the order of families.yaml."""

    def cause(self, cid: str) -> Cause:
        return self.causes[cid]

    def causes_under(self, qid: str) -> set[str]:
        """Every cause reachable from question ``qid``."""
        return set(self.causes_in_order(qid))

    def causes_in_order(self, qid: str, _seen: Optional[set[str]] = None) -> list[str]:
        """Every cause reachable from question ``qid``, in the order the wizard offers them
        (each once, where it first comes): how candidates the evidence cannot separate are
        listed."""
        seen = _seen if _seen is not None else set()
        if qid in seen or qid not in self.questions:
            return []
        seen.add(qid)
        out: list[str] = []
        for ch in self.questions[qid].choices:
            if ch.cause:
                found = [ch.cause]
            else:
                found = self.causes_in_order(ch.next, seen) if ch.next else []
            out.extend(c for c in found if c not in out)
        return out

    def reachable(self, choice: Choice) -> set[str]:
        if choice.cause:
            return {choice.cause}
        return self.causes_under(choice.next) if choice.next else set()

    def wizard_rank(self) -> dict[str, int]:
        """Each cause's place in the wizard's order from the first question (worked out once)."""
        got = self.__dict__.get("_wizard_rank")
        if got is None:
            got = {c: i for i, c in enumerate(self.causes_in_order(self.start))}
            self.__dict__["_wizard_rank"] = got
        return got


# ---------------------------------------------------------------------------------------------
# Locating knowledge folders


def _bundled_path() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    inside = os.path.join(here, "knowledge")
    if os.path.isfile(os.path.join(inside, "tree.yaml")):
        return inside
    return os.path.join(os.path.dirname(here), "knowledge")


def _user_paths(extra: Iterable[str] = ()) -> list[str]:
    dirs = [p.strip() for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p.strip()]
    dirs.extend(extra)
    return [os.path.expanduser(d) for d in dirs]


def bundled_dir() -> Path:
    """The knowledge shipped with ctxfix: inside the wheel, or beside the package in a checkout."""
    from pathlib import Path

    return Path(_bundled_path())


def user_dirs(extra: Iterable[str] = ()) -> list[Path]:
    """Folders of user causes: ``CTXFIX_KNOWLEDGE_PATH`` entries first, then ``extra``."""
    from pathlib import Path

    return [Path(d) for d in _user_paths(extra)]


class _Layer(Record):
    """What one knowledge folder holds where causes are looked for."""

    causes: list[str] = Factory(list)
    """``cause.yaml`` files: the folder's own, or its children's and its causes/ children's."""
    strays: list[str] = Factory(list)
    """Other YAML files in those places: probably a cause under the wrong name."""
    folders: list[str] = Factory(list)
    """The folders looked in (a file added or removed changes one's time)."""


def _layer(root: str) -> _Layer:
    """Scan a knowledge folder, without pathlib: this runs on every start to key the cache.

    Causes are ``root/cause.yaml`` (a folder of one cause), else ``root/<id>/cause.yaml`` and
    ``root/causes/<id>/cause.yaml``; names starting with ``_`` or ``.`` are left out.
    """
    out = _Layer()
    top = _entries(root, out)
    if "cause.yaml" in top:
        out.causes.append(os.path.join(root, "cause.yaml"))
        out.strays.extend(os.path.join(root, n) for n in top if _stray(n))
        return out
    out.strays.extend(os.path.join(root, n) for n in top if _stray(n))
    for name, is_dir in top.items():
        if not is_dir:
            continue
        sub = os.path.join(root, name)
        names = _entries(sub, out)
        _cause_folder(sub, names, out)
        if name == "causes":
            for child, child_is_dir in names.items():
                if child_is_dir:
                    inner = os.path.join(sub, child)
                    _cause_folder(inner, _entries(inner, out), out)
    return out


def _entries(folder: str, layer: Optional[_Layer]) -> dict[str, bool]:
    """The names in ``folder`` (not starting with _ or .) and whether each is a folder."""
    try:
        with os.scandir(folder) as it:
            found = {e.name: _is_dir(e) for e in it if not e.name.startswith(("_", "."))}
    except OSError:
        return {}
    if layer is not None:
        layer.folders.append(folder)
    return dict(sorted(found.items()))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _cause_folder(folder: str, names: dict[str, bool], out: _Layer) -> None:
    if "cause.yaml" in names:
        out.causes.append(os.path.join(folder, "cause.yaml"))
    out.strays.extend(os.path.join(folder, n) for n in names if _stray(n))


def _stray(name: str) -> bool:
    return name != "cause.yaml" and name.lower().endswith((".yaml", ".yml"))


# ---------------------------------------------------------------------------------------------
# Reading YAML with line numbers


class _Lines:
    """Line numbers of the keys and items of one YAML document, by path of keys."""

    def __init__(self) -> None:
        self.at: dict[tuple, int] = {}

    def of(self, *path: Any) -> int:
        while path:
            if path in self.at:
                return self.at[path]
            path = path[:-1]
        return self.at.get((), 1)


def _read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, _Lines]:
    import yaml

    from ctxfix.files import read_regular

    lines = _Lines()
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8")
    except OSError as exc:
        problems.append(Problem(str(path), 1, "CTX001", f"cannot read the file: {_why(exc)}"))
        return None, lines
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), 1, "CTX001", f"cannot read the file: {exc}"))
        return None, lines
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        alias = _first_alias(node)
        if alias:
            problems.append(
                Problem(
                    str(path),
                    alias,
                    "CTX021",
                    "YAML aliases (*name) are not allowed: write the value out",
                )
            )
            return None, lines
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(str(path), line, "CTX001", f"invalid YAML: {what}"))
        return None, lines
    except (RecursionError, MemoryError):
        problems.append(Problem(str(path), 1, "CTX001", "invalid YAML: nested too deeply"))
        return None, lines
    finally:
        loader.dispose()
    if node is not None:
        _index(node, (), lines)
    return data, lines


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _first_alias(root: Any) -> int:
    """The line of the first place, in document order, where a node is used a second time (an
    alias), or 0 for none.

    An alias makes the document a graph: a few lines can stand for billions of nodes, or loop.
    """
    seen: set[int] = set()
    stack = [(root, 1)] if root is not None else []
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            return line
        seen.add(id(node))
        if not isinstance(node.value, list):
            continue
        here = node.start_mark.line + 1
        children = []
        for item in node.value:
            if isinstance(item, tuple):  # a mapping's (key, value)
                at = item[0].start_mark.line + 1
                children += [(item[0], at), (item[1], at)]
            else:
                children.append((item, here))
        stack.extend(reversed(children))
    return 0


def _index(node: Any, path: tuple, lines: _Lines) -> None:
    lines.at[path] = node.start_mark.line + 1
    if node.tag.endswith(":map") and isinstance(node.value, list):
        for k, v in node.value:
            key = getattr(k, "value", None)
            lines.at[path + (key,)] = k.start_mark.line + 1
            _index(v, path + (key,), lines)
            lines.at[path + (key,)] = k.start_mark.line + 1
    elif node.tag.endswith(":seq") and isinstance(node.value, list):
        for i, v in enumerate(node.value):
            _index(v, path + (i,), lines)


# ---------------------------------------------------------------------------------------------
# Validation


def _check_cause(
    data: Any,
    lines: _Lines,
    path: Path,
    bundled: bool,
    problems: list[Problem],
    families: Collection[str],
) -> Optional[dict]:
    p = str(path)

    def add(code: str, msg: str, *where: Any) -> None:
        problems.append(Problem(p, lines.of(*where), code, msg))

    if not isinstance(data, dict):
        add("CTX004", "a cause file must be a mapping of keys to values")
        return None
    ok = True
    for key in data:
        if key not in _CAUSE_KEYS:
            add("CTX002", f"unknown key '{key}' (known: {', '.join(_CAUSE_KEYS)})", key)
    for key in _REQUIRED:
        if key not in data:
            add("CTX003", f"missing required key '{key}'")
            ok = False
    for key in ("fix", "verify", "quick_reference"):
        if key not in data:
            add("CTX012", f"the cause has no {key}")
            ok = False
    for key, typ in _CAUSE_KEYS.items():
        if key in data and not isinstance(data[key], typ):
            add("CTX004", f"'{key}' must be a {typ.__name__}", key)
            ok = False
        elif (
            key in data
            and typ in (str, list)
            and not data[key]
            and key
            in _REQUIRED
            + (
                "fix",
                "verify",
            )
        ):
            add("CTX004", f"'{key}' is empty", key)
            ok = False
    if not ok:
        return None

    cid = data["id"]
    if not re.match(_ID, cid):
        add("CTX005", f"id '{cid}' must be lowercase words joined by hyphens", "id")
    elif cid != path.parent.name:
        add("CTX005", f"id '{cid}' differs from its folder name '{path.parent.name}'", "id")
    for i, fam in enumerate(data["families"]):
        if fam not in families:
            add("CTX007", f"unknown family '{fam}' (known: {', '.join(families)})", "families", i)

    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", data["why"].strip()) if s]
    if not 3 <= len(sentences) <= 6:
        add("CTX014", f"why has {len(sentences)} sentences; write 3 to 6", "why")

    variant_ids = set()
    for i, v in enumerate(data.get("variants", [])):
        if not isinstance(v, dict) or not _text(v.get("id")) or not _text(v.get("title")):
            add("CTX004", "each variant needs an id and a title, as text", "variants", i)
            continue
        if "summary" in v and not isinstance(v["summary"], str):
            add("CTX004", "a variant's 'summary' must be text", "variants", i, "summary")
        if v["id"] in variant_ids:
            add("CTX006", f"variant '{v['id']}' is defined twice", "variants", i)
        variant_ids.add(v["id"])
        extra = set(v) - {"id", "title", "summary", "fix", "verify"}
        for key in sorted(extra, key=str):
            add("CTX002", f"unknown variant key '{key}'", "variants", i, key)
        if "fix" in v:
            _check_snippets(v["fix"], ("variants", i, "fix"), add, variant_ids=None)
        if "verify" in v:
            _check_template(v["verify"], ("variants", i, "verify"), add)

    _check_snippets(data["fix"], ("fix",), add, variant_ids=variant_ids)
    if not isinstance(data["verify"], str) or not data["verify"].strip():
        add("CTX004", "'verify' must be a non-empty snippet", "verify")
    else:
        _check_template(data["verify"], ("verify",), add)

    qr = data["quick_reference"]
    for key in ("scenario", "fix"):
        if not isinstance(qr.get(key), str) or not qr.get(key, "").strip():
            add("CTX012", f"quick_reference needs a '{key}' line", "quick_reference")
    for key in sorted(set(qr) - {"scenario", "fix"}, key=str):
        add("CTX002", f"unknown quick_reference key '{key}'", "quick_reference", key)

    for i, note in enumerate(data.get("versions", [])):
        if (
            not isinstance(note, dict)
            or not _text(note.get("note"))
            or not isinstance(note.get("flask", ""), str)
            or set(note) - {"flask", "note"}
        ):
            add(
                "CTX004",
                "each version note needs 'note' (and optionally 'flask'), as text: quote a "
                "version such as '2.2'",
                "versions",
                i,
            )
    for i, ref in enumerate(data.get("references", [])):
        if not isinstance(ref, str) or not re.match(_OFFICIAL_DOCS, ref):
            add("CTX015", f"'{ref}' is not an official documentation address", "references", i)

    for i, rule in enumerate(data.get("evidence", [])):
        _check_rule(rule, i, variant_ids, add, families)

    attach = data.get("tree")
    if attach is not None:
        if (
            set(attach) - {"question", "label", "variant"}
            or not _text(attach.get("question"))
            or not _text(attach.get("label"))
            or not isinstance(attach.get("variant", ""), str)
        ):
            add("CTX004", "'tree' needs 'question' and 'label' (and optionally 'variant')", "tree")
            attach = None
        elif attach.get("variant") and attach["variant"] not in variant_ids:
            add("CTX016", f"unknown variant '{attach['variant']}'", "tree", "variant")
    data = dict(data)
    if attach is None:
        data.pop("tree", None)  # reported; the links are checked without it
    data["_bundled"] = bundled
    data["_path"] = p
    return data


def _check_snippets(snips: Any, where: tuple, add: Any, variant_ids: Optional[set]) -> None:
    if not isinstance(snips, list) or not snips:
        add("CTX012", "fix needs at least one snippet", *where)
        return
    for i, s in enumerate(snips):
        if (
            not isinstance(s, dict)
            or not isinstance(s.get("code"), str)
            or not _text(s.get("title"))
            or not isinstance(s.get("variant", ""), (str, type(None)))
        ):
            add("CTX004", "each fix needs a 'title' and a 'code' snippet, as text", *where, i)
            continue
        for key in sorted(set(s) - {"title", "code", "variant"}, key=str):
            add("CTX002", f"unknown fix key '{key}'", *where, i, key)
        if (
            s.get("variant") is not None
            and variant_ids is not None
            and s["variant"] not in (variant_ids)
        ):
            add("CTX016", f"unknown variant '{s['variant']}'", *where, i, "variant")
        _check_template(s["code"], where + (i, "code"), add)


def _check_template(text: Any, where: tuple, add: Any) -> None:
    if not isinstance(text, str):
        add("CTX004", "a snippet must be text", *where)
        return
    for m in re.finditer(_PLACEHOLDER, text):
        if m.group(1) not in PLACEHOLDERS:
            add(
                "CTX013",
                f"unknown placeholder '{m.group(1)}' (known: {', '.join(PLACEHOLDERS)})",
                *where,
            )


def _check_rule(rule: Any, i: int, variant_ids: set, add: Any, families: Collection[str]) -> None:
    where = ("evidence", i)
    if not isinstance(rule, dict):
        add("CTX004", "an evidence rule must be a mapping", *where)
        return
    for key in sorted(set(rule) - _RULE_KEYS, key=str):
        add("CTX002", f"unknown evidence key '{key}'", *where, key)
    for key in ("id", "variant"):
        if key in rule and not _text(rule[key]):
            add("CTX004", f"'{key}' must be text", *where, key)
    if not any(k in rule for k in _RULE_MATCHERS):
        add("CTX017", f"the rule names nothing to match ({', '.join(_RULE_MATCHERS)})", *where)
    if not _number(rule.get("weight")):
        add("CTX017", "the rule needs a numeric weight", *where)
    if not isinstance(rule.get("says"), str) or not rule.get("says"):
        add("CTX003", "the rule needs 'says': the evidence line shown to the user", *where)
    for key in ("message", "context", "proxy", "code"):
        if key in rule:
            _check_regex(rule[key], where + (key,), add)
    for key in ("frame", "user_frame", "caller_frame", "outer_frame"):
        if key in rule:
            spec = rule[key]
            if not isinstance(spec, dict) or not spec or set(spec) - _FRAME_KEYS:
                add("CTX004", f"'{key}' takes path, function and code patterns", *where, key)
                continue
            for sub, pat in spec.items():
                _check_regex(pat, where + (key, sub), add)
    _check_families_named(rule.get("family", []), where + ("family",), add, families)
    for key in ("tags", "no_tags"):
        tags = rule.get(key, [])
        if not isinstance(tags, list):
            add("CTX004", f"'{key}' must be a list of tags", *where, key)
            continue
        for tag in tags:
            if tag not in TAGS:
                add("CTX019", f"unknown tag '{tag}' (known: {', '.join(TAGS)})", *where, key)
    if _text(rule.get("variant")) and rule["variant"] not in variant_ids:
        add("CTX016", f"unknown variant '{rule['variant']}'", *where, "variant")


def _text(value: Any) -> bool:
    """A non-empty string: what YAML gives for plain words, not for 3.0, yes or 2024-01-01."""
    return isinstance(value, str) and bool(value.strip())


def _number(value: Any) -> bool:
    """An int or float that is a finite float (not a bool, not .nan, not 10**400)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _check_families_named(fams: Any, where: tuple, add: Any, families: Collection[str]) -> bool:
    """A ``family`` value: one family name or a list of them. False when it is unusable."""
    if isinstance(fams, str):
        fams = [fams]
    if not isinstance(fams, list):
        add("CTX004", "'family' must be a family name or a list of them", *where)
        return False
    for fam in fams:
        if not isinstance(fam, str) or fam not in families:
            add("CTX007", f"unknown family '{fam}' (known: {', '.join(families)})", *where)
    return True


def _check_regex(pat: Any, where: tuple, add: Any) -> None:
    if not isinstance(pat, str):
        add("CTX008", "a pattern must be text", *where)
        return
    try:
        re.compile(pat)
    except (re.error, RecursionError, OverflowError) as exc:
        add("CTX008", f"invalid regular expression {pat!r}: {exc}", *where)
        return
    from ctxfix.backtracking import risk

    slow = risk(pat)
    if slow:
        add("CTX022", f"{pat!r} can be slow on a long line: {slow}", *where)


def _check_tree(
    data: Any, lines: _Lines, path: Path, problems: list[Problem], families: Collection[str]
) -> Optional[dict]:
    p = str(path)

    def add(code: str, msg: str, *where: Any) -> None:
        problems.append(Problem(p, lines.of(*where), code, msg))

    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        add("CTX004", "tree.yaml needs 'start' and a list of 'questions'")
        return None
    for key in sorted(set(data) - {"start", "questions"}, key=str):
        add("CTX002", f"unknown key '{key}'", key)
    good = True
    if not _text(data.get("start")):
        add("CTX003", "tree.yaml needs 'start': the id of the first question")
        good = False
    seen: set[str] = set()
    for i, q in enumerate(data["questions"]):
        if not isinstance(q, dict) or not _text(q.get("id")) or not _text(q.get("text")):
            add("CTX004", "each question needs an id and a text", "questions", i)
            good = False
            continue
        if not isinstance(q.get("help", ""), (str, type(None))):
            add("CTX004", "a question's 'help' must be text", "questions", i, "help")
            good = False
        for key in sorted(set(q) - {"id", "text", "help", "choices"}, key=str):
            add("CTX002", f"unknown question key '{key}'", "questions", i, key)
        if q["id"] in seen:
            add("CTX006", f"question '{q['id']}' is defined twice", "questions", i, "id")
        seen.add(q["id"])
        if not isinstance(q.get("choices"), list) or not q["choices"]:
            add("CTX004", f"question '{q['id']}' has no choices", "questions", i)
            good = False
            continue
        for j, ch in enumerate(q["choices"]):
            if not isinstance(ch, dict) or not _text(ch.get("label")):
                add("CTX004", "each choice needs a label", "questions", i, "choices", j)
                good = False
                continue
            if any(k in ch and not _text(ch[k]) for k in ("next", "cause", "variant")):
                add(
                    "CTX004",
                    "a choice's next, cause and variant must be text",
                    "questions",
                    i,
                    "choices",
                    j,
                )
                good = False
                continue
            for key in sorted(set(ch) - {"label", "next", "cause", "variant", "family"}, key=str):
                add("CTX002", f"unknown choice key '{key}'", "questions", i, "choices", j, key)
            if ("next" in ch) == ("cause" in ch):
                add(
                    "CTX018",
                    f"choice '{ch['label']}' needs exactly one of next or cause",
                    "questions",
                    i,
                    "choices",
                    j,
                )
            if not _check_families_named(
                ch.get("family", []), ("questions", i, "choices", j), add, families
            ):
                good = False
    data = dict(data)
    data["_path"] = p
    data["_lines"] = {
        q["id"]: [lines.of("questions", i, "choices", j) for j in range(len(q["choices"]))]
        for i, q in enumerate(data["questions"])
        if isinstance(q, dict) and _text(q.get("id")) and isinstance(q.get("choices"), list)
    }
    data["_qlines"] = {
        q["id"]: lines.of("questions", i)
        for i, q in enumerate(data["questions"])
        if isinstance(q, dict) and isinstance(q.get("id"), str)
    }
    return data if good else None


def _check_links(
    tree: dict, causes: dict[str, dict], problems: list[Problem], broken: set[str] = frozenset()
) -> None:
    p = tree["_path"]
    questions = {q["id"]: q for q in tree["questions"]}
    start = tree.get("start")
    if start not in questions:
        problems.append(Problem(p, 1, "CTX009", f"start question '{start}' does not exist"))
        return
    for q in tree["questions"]:
        for j, ch in enumerate(q["choices"]):
            line = tree["_lines"][q["id"]][j]
            if "next" in ch and ch["next"] not in questions:
                problems.append(
                    Problem(
                        p,
                        line,
                        "CTX009",
                        f"choice '{ch['label']}' leads to unknown question '{ch['next']}'",
                    )
                )
            if "cause" in ch and ch["cause"] not in broken:
                if ch["cause"] not in causes:
                    problems.append(
                        Problem(
                            p,
                            line,
                            "CTX009",
                            f"choice '{ch['label']}' leads to unknown cause '{ch['cause']}'",
                        )
                    )
                elif ch.get("variant") and ch["variant"] not in {
                    v.get("id") for v in causes[ch["cause"]].get("variants", [])
                }:
                    problems.append(
                        Problem(
                            p,
                            line,
                            "CTX016",
                            f"cause '{ch['cause']}' has no variant '{ch['variant']}'",
                        )
                    )
    for c in causes.values():
        att = c.get("tree")
        if att and att.get("question") not in questions:
            problems.append(
                Problem(
                    c["_path"],
                    1,
                    "CTX009",
                    f"'tree' attaches to unknown question '{att.get('question')}'",
                )
            )

    # cycles: depth-first search with colours
    colour: dict[str, int] = {}

    def visit(qid: str, trail: list[str]) -> None:
        colour[qid] = 1
        for ch in questions[qid]["choices"]:
            nxt = ch.get("next")
            if nxt not in questions:
                continue
            if colour.get(nxt) == 1:
                loop = " -> ".join(trail[trail.index(nxt) :] + [qid, nxt]) if nxt in trail else nxt
                problems.append(
                    Problem(p, tree["_qlines"][qid], "CTX011", f"the tree loops: {loop}")
                )
            elif nxt not in colour:
                visit(nxt, trail + [qid])
        colour[qid] = 2

    for qid in questions:
        if qid not in colour:
            visit(qid, [])

    reachable: set[str] = set()
    seen_q: set[str] = set()
    stack = [start]
    while stack:
        qid = stack.pop()
        if qid in seen_q or qid not in questions:
            continue
        seen_q.add(qid)
        for ch in questions[qid]["choices"]:
            if "cause" in ch:
                reachable.add(ch["cause"])
            if "next" in ch:
                stack.append(ch["next"])
    for cid, c in causes.items():
        att = c.get("tree")
        if att and att.get("question") in seen_q:
            reachable.add(cid)
    for cid in sorted(set(causes) - reachable):
        problems.append(
            Problem(
                causes[cid]["_path"], 1, "CTX010", f"cause '{cid}' cannot be reached from the tree"
            )
        )


# ---------------------------------------------------------------------------------------------
# Loading


def _files(bundled: str, extra: list[str]) -> list[str]:
    """The files and folders whose sizes and times decide whether the cache is still good: the
    knowledge, and the code that checks it and reads its patterns (the cache holds its results)."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, "knowledge.py"), os.path.join(here, "_literals.py")]
    out += [os.path.join(bundled, "tree.yaml"), os.path.join(bundled, "families.yaml")]
    for root in [os.path.join(bundled, "causes"), *extra]:
        layer = _layer(root)
        out += [root, *layer.folders, *layer.causes, *layer.strays]
    return out


def _collect(bundled: Path, extra: list[Path]) -> tuple[Optional[dict], list[Problem]]:
    """Read and check everything; returns the raw merged data and every problem found."""
    from pathlib import Path

    problems: list[Problem] = []
    # The families come first: causes, rules and tree choices name them.
    fam_path = bundled / "families.yaml"
    fam_data, fam_lines = _read_yaml(fam_path, problems)
    families = _check_families(fam_data, fam_lines, fam_path, problems)
    known = tuple(families)
    tree_path = bundled / "tree.yaml"
    tree_data, tree_lines = _read_yaml(tree_path, problems)
    tree = (
        _check_tree(tree_data, tree_lines, tree_path, problems, known)
        if tree_data is not None
        else None
    )
    if tree_data is None and not problems:
        problems.append(Problem(str(tree_path), 1, "CTX004", "tree.yaml is empty"))

    causes: dict[str, dict] = {}
    broken: set[str] = set()
    layers = [(bundled / "causes", True)] + [(d, False) for d in extra]
    visited: set[str] = set()
    for folder, is_bundled in layers:
        if not is_bundled and not folder.is_dir():
            problems.append(Problem(str(folder), 1, "CTX001", "knowledge folder does not exist"))
            continue
        real = os.path.realpath(folder)
        if real in visited:
            continue  # named twice (CTXFIX_KNOWLEDGE_PATH and --knowledge-dir): read once
        visited.add(real)
        layer = _layer(str(folder))
        _check_strays(folder, layer, problems)
        seen_here: set[str] = set()
        for f in map(Path, layer.causes):
            before = len(problems)
            data, lines = _read_yaml(f, problems)
            if data is None and len(problems) == before:
                problems.append(Problem(str(f), 1, "CTX004", "the cause file is empty"))
            c = (
                _check_cause(data, lines, f, is_bundled, problems, known)
                if data is not None
                else None
            )
            if c is None:
                # Already reported; keep the folder's id known so links to it do not cascade.
                broken.add(f.parent.name)
                continue
            # A mismatched id is reported (CTX005); the folder name keeps links checkable.
            cid = c["id"] = f.parent.name
            if cid in seen_here:
                problems.append(
                    Problem(
                        str(f),
                        lines.of("id"),
                        "CTX006",
                        f"cause '{cid}' is defined twice in {folder}",
                    )
                )
                continue
            seen_here.add(cid)
            if cid in causes and not causes[cid]["_bundled"]:
                problems.append(
                    Problem(
                        str(f),
                        lines.of("id"),
                        "CTX006",
                        f"cause '{cid}' is also defined in {causes[cid]['_path']}: keep one "
                        "(a cause of your own may replace a bundled one, not another of yours)",
                    )
                )
                continue
            # A user cause replaces the bundled one of the same id, and keeps its tree place.
            causes[cid] = c
    if tree is not None:
        _check_links(tree, causes, problems, broken)
    if problems:
        return None, problems
    return {
        "tree": tree,
        "causes": causes,
        "families": families,
        "families_path": str(fam_path),
    }, []


_FAMILY_KEYS = {"name", "signs", "title", "why", "fix", "verify", "quick_reference"}
_SIGNS_KEYS = {"messages", "patterns", "leads", "skim", "frames", "symptoms", "context"}
_SIGN_KEYS = {
    "path",
    "function",
    "code",
    "type",
    "message",
    "line",
    "says",
    "by_proxy",
    "innermost",
}


def _check_strays(folder: Path, layer: _Layer, problems: list[Problem]) -> None:
    """A folder with no cause, and YAML files where causes are looked for that are not one."""
    how = "a cause is <id>/cause.yaml, or causes/<id>/cause.yaml"
    if not layer.causes:
        named = f"; {', '.join(layer.strays)} is not one" if layer.strays else ""
        if len(layer.strays) > 1:
            named = f"; {', '.join(layer.strays)} are not"
        problems.append(
            Problem(str(folder), 1, "CTX023", f"the folder holds no cause ({how}){named}")
        )
        return
    for stray in layer.strays:
        problems.append(
            Problem(
                stray,
                1,
                "CTX023",
                f"not read: only cause.yaml files are ({how}; "
                "start the name with _ to keep a file here)",
            )
        )


def _check_families(data: Any, lines: _Lines, path: Path, problems: list[Problem]) -> dict:
    """Check families.yaml: a page per family and the signs it is recognised by."""
    p = str(path)

    def add(code: str, msg: str, *where: Any) -> None:
        problems.append(Problem(p, lines.of(*where), code, msg))

    if not isinstance(data, dict) or not data:
        add("CTX004", "families.yaml must map each family to a page")
        return {}
    good: dict = {}
    for fam, page in data.items():
        if not isinstance(fam, str) or not re.match(_ID, fam):
            add("CTX005", f"family id '{fam}' must be lowercase words joined by hyphens", fam)
            continue
        if not isinstance(page, dict):
            add("CTX004", f"'{fam}' must be a mapping", fam)
            continue
        good[fam] = page
        for key in sorted(set(page) - _FAMILY_KEYS, key=str):
            add("CTX002", f"unknown key '{key}' in family '{fam}'", fam, key)
        for key in ("name", "signs", "title", "why", "fix", "verify", "quick_reference"):
            if key not in page:
                add("CTX003", f"'{fam}' needs '{key}'", fam)
        for key in ("name", "title", "why", "verify"):
            if key in page and not _text(page[key]):
                add("CTX004", f"'{fam}': '{key}' must be text", fam, key)
        fix = page.get("fix")
        if "fix" in page and (
            not isinstance(fix, dict)
            or not _text(fix.get("title"))
            or not isinstance(fix.get("code"), str)
        ):
            add("CTX004", "'fix' needs a 'title' and a 'code' snippet", fam, "fix")
        qr = page.get("quick_reference")
        if "quick_reference" in page and (
            not isinstance(qr, dict)
            or not _text(qr.get("scenario"))
            or not _text(qr.get("fix"))
            or set(qr) - {"scenario", "fix"}
        ):
            add("CTX012", "quick_reference needs 'scenario' and 'fix'", fam, "quick_reference")
        if "signs" in page:
            _check_signs(page["signs"], (fam, "signs"), add)
    return good


def _check_signs(signs: Any, where: tuple, add: Any) -> None:
    if not isinstance(signs, dict):
        add("CTX004", "'signs' must be a mapping", *where)
        return
    for key in sorted(set(signs) - _SIGNS_KEYS, key=str):
        known = ", ".join(sorted(_SIGNS_KEYS))
        add("CTX002", f"unknown signs key '{key}' (known: {known})", *where)
    texts: dict[str, list] = {}
    for key in ("messages", "patterns", "leads", "skim"):
        items = signs.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
            add("CTX004", f"'{key}' must be a list of texts", *where, key)
            items = []
        texts[key] = items
    for key in ("messages", "leads", "skim"):
        for i, text in enumerate(texts[key]):
            if text != text.lower() or text != " ".join(text.split()):
                add("CTX004", f"'{text}' must be lower case with single spaces", *where, key, i)
    for i, pat in enumerate(texts["patterns"]):
        _check_regex(pat, where + ("patterns", i), add)
    if not (texts["messages"] or texts["patterns"] or signs.get("frames") or signs.get("symptoms")):
        add("CTX003", "a family needs at least one message, pattern, frame or symptom", *where)
    skim = texts["skim"]
    for key in ("messages", "leads"):
        for i, text in enumerate(texts[key]):
            if not any(w in text for w in skim):
                add("CTX020", f"'{text}' holds no skim word ({', '.join(skim)})", *where, key, i)
    for i, pat in enumerate(texts["patterns"]):
        literal = pat.lower()
        if not any(w in literal for w in skim):
            add("CTX020", f"pattern {pat!r} holds no skim word", *where, "patterns", i)
    for key in ("frames", "symptoms", "context"):
        items = signs.get(key, [])
        if not isinstance(items, list):
            add("CTX004", f"'{key}' must be a list", *where, key)
            continue
        for i, sign in enumerate(items):
            at = where + (key, i)
            if not isinstance(sign, dict):
                add("CTX004", "a sign must be a mapping", *at)
                continue
            for k in sorted(set(sign) - _SIGN_KEYS, key=str):
                add("CTX002", f"unknown sign key '{k}'", *at, k)
            if not isinstance(sign.get("says"), str) or not sign.get("says"):
                add("CTX003", "a sign needs 'says': the evidence line shown to the user", *at)
            need = {"frames": ("path", "function", "code"), "symptoms": ("type",)}.get(
                key, ("line",)
            )
            if not any(k in sign for k in need):
                add("CTX017", f"a {key} sign needs one of {', '.join(need)}", *at)
            for k in ("path", "function", "code", "type", "message", "line"):
                if k in sign:
                    _check_regex(sign[k], at + (k,), add)


def _compile_rule(r: dict, idx: int, pattern: _Patterns) -> Rule:
    def pat(x: Optional[str]) -> Optional[Pattern]:
        return pattern(x) if x is not None else None

    def fpat(spec: Optional[dict]) -> Optional[dict[str, Pattern]]:
        return {k: pattern(v) for k, v in spec.items()} if spec else None

    fam = r.get("family", [])
    return Rule(
        id=r.get("id") or f"rule-{idx + 1}",
        weight=float(r["weight"]),
        says=r["says"],
        message=pat(r.get("message")),
        frame=fpat(r.get("frame")),
        user_frame=fpat(r.get("user_frame")),
        caller_frame=fpat(r.get("caller_frame")),
        outer_frame=fpat(r.get("outer_frame")),
        context=pat(r.get("context")),
        proxy=pat(r.get("proxy")),
        code=pat(r.get("code")),
        family=tuple([fam] if isinstance(fam, str) else fam),
        variant=r.get("variant"),
        tags=tuple(r.get("tags", [])),
        no_tags=tuple(r.get("no_tags", [])),
    )


def _snips(items: list[dict]) -> list[Snippet]:
    return [Snippet(s["title"], s["code"], s.get("variant")) for s in items]


def _build(raw: dict, pattern: Optional[_Patterns] = None) -> KnowledgeBase:
    """The knowledge base from checked raw data; ``pattern`` makes its patterns (a fresh
    :class:`_Patterns` reading the analysis ``raw`` holds, when None)."""
    if pattern is None:
        pattern = _Patterns(raw.get("analysis"))
    causes: dict[str, Cause] = {}
    for cid, c in raw["causes"].items():
        causes[cid] = Cause(
            id=cid,
            title=c["title"].strip(),
            summary=c["summary"].strip(),
            families=tuple(c["families"]),
            why=" ".join(c["why"].split()),
            fix=_snips(c["fix"]),
            verify=c["verify"],
            quick_reference={k: v.strip() for k, v in c["quick_reference"].items()},
            versions=[
                {"flask": str(v.get("flask", "")), "note": v["note"].strip()}
                for v in c.get("versions", [])
            ],
            references=list(c.get("references", [])),
            variants=[
                Variant(
                    v["id"],
                    v["title"],
                    v.get("summary", ""),
                    _snips(v.get("fix", [])),
                    v.get("verify"),
                )
                for v in c.get("variants", [])
            ],
            evidence=[_compile_rule(r, i, pattern) for i, r in enumerate(c.get("evidence", []))],
            path=c["_path"],
            attach=c.get("tree"),
            bundled=c["_bundled"],
        )
    questions: dict[str, Question] = {}
    for q in raw["tree"]["questions"]:
        choices = []
        for ch in q["choices"]:
            fam = ch.get("family", [])
            choices.append(
                Choice(
                    ch["label"],
                    ch.get("next"),
                    ch.get("cause"),
                    ch.get("variant"),
                    tuple([fam] if isinstance(fam, str) else fam),
                )
            )
        questions[q["id"]] = Question(
            q["id"], q["text"].strip(), (q.get("help") or "").strip(), choices
        )
    for cid, c in causes.items():
        if c.attach and c.attach["question"] in questions:
            q = questions[c.attach["question"]]
            if not any(ch.cause == cid for ch in q.choices):
                q.choices.insert(
                    len(q.choices) - 1 if len(q.choices) > 1 else 0,
                    Choice(c.attach["label"], None, cid, c.attach.get("variant")),
                )
    families = {
        fam: Cause(
            id=fam,
            title=page["title"].strip(),
            summary=page["title"].strip(),
            families=(fam,),
            why=" ".join(page["why"].split()),
            fix=_snips([page["fix"]]),
            verify=page["verify"],
            quick_reference={k: v.strip() for k, v in page["quick_reference"].items()},
            versions=[],
            references=[],
            variants=[],
            evidence=[],
            path=raw["families_path"],
        )
        for fam, page in raw["families"].items()
    }
    signs = {fam: _signs(fam, page, pattern) for fam, page in raw["families"].items()}
    return KnowledgeBase(causes, questions, raw["tree"]["start"], families, signs)


def _sign(d: dict, pattern: _Patterns) -> Sign:
    frame = {k: pattern(d[k]) for k in ("path", "function", "code") if k in d}
    return Sign(
        says=d["says"],
        frame=frame or None,
        exc_type=pattern(d["type"]) if "type" in d else None,
        message=pattern(d["message"]) if "message" in d else None,
        line=pattern(d["line"]) if "line" in d else None,
        by_proxy=bool(d.get("by_proxy")),
        innermost=bool(d.get("innermost")),
    )


def _signs(fam: str, page: dict, pattern: _Patterns) -> FamilySigns:
    s = page.get("signs") or {}
    return FamilySigns(
        id=fam,
        name=page.get("name") or fam,
        messages=tuple(s.get("messages", ())),
        patterns=tuple(pattern(p) for p in s.get("patterns", ())),
        leads=tuple(s.get("leads", ())),
        skim=tuple(s.get("skim", ())),
        frames=[_sign(d, pattern) for d in s.get("frames", ())],
        symptoms=[_sign(d, pattern) for d in s.get("symptoms", ())],
        context=[_sign(d, pattern) for d in s.get("context", ())],
    )


def _fingerprint(files: list[str], bundled: str, extra: list[str]) -> str:
    parts = [f"{__version__}|{sys.version_info[:2]}|{bundled}|{extra}"]
    for f in files:
        try:
            st = os.stat(f)
            parts.append(f"{f}|{st.st_mtime_ns}|{st.st_size}")
        except OSError:
            parts.append(f"{f}|missing")
    return "\n".join(parts)


KEEP_CACHED = 8
"""Knowledge cache files kept (the newest): one per set of knowledge folders in use, and one
more each time the knowledge or ctxfix changes."""


def load(extra_dirs: Iterable[str] = (), *, use_cache: bool = True) -> KnowledgeBase:
    """Load the bundled knowledge plus user folders; raise KnowledgeError if anything is broken."""
    bundled = _bundled_path()
    extra = _user_paths(extra_dirs)
    cdir = cache_dir() if use_cache else None
    if cdir is None:
        return _build(_collect_or_raise(bundled, extra))
    fingerprint = _fingerprint(_files(bundled, extra), bundled, extra)
    name = f"knowledge-{key_of(fingerprint)}.json"
    cache = Cache(cdir)
    try:
        raw = cache.read(name)
        if raw is not None and raw.get("fingerprint") == fingerprint:
            try:
                return _build(raw)
            except Exception:  # noqa: BLE001 - a cache file that does not build is a miss
                pass
        raw = _collect_or_raise(bundled, extra)
        pattern = _Patterns()
        built = _build(raw, pattern)
        raw["analysis"] = pattern.table()
        raw["fingerprint"] = fingerprint
        cache.write(name, raw)
        cache.prune("knowledge-", KEEP_CACHED)
        return built
    finally:
        cache.close()


def _collect_or_raise(bundled: str, extra: list[str]) -> dict:
    from pathlib import Path

    raw, problems = _collect(Path(bundled), [Path(e) for e in extra])
    if raw is None:
        raise KnowledgeError(problems)
    return raw


def lint(dirs: Iterable[str] = (), extra_dirs: Iterable[str] = ()) -> list[Problem]:
    """Every problem in the knowledge, sorted.

    A folder in ``dirs`` that holds a tree.yaml is checked as a whole knowledge root; any other
    folder is checked as user causes layered on the bundled knowledge.
    """
    from pathlib import Path

    dirs = list(dirs)
    roots = [Path(d) for d in dirs if (Path(d) / "tree.yaml").is_file()]
    layers = [Path(d) for d in dirs if not (Path(d) / "tree.yaml").is_file()]
    problems: list[Problem] = []
    if not roots:
        roots = [bundled_dir()]
    for root in roots:
        _, found = _collect(root, user_dirs(extra_dirs) + layers)
        problems.extend(found)
    return sorted(set(problems))
