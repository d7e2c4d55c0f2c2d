"""Read Python tracebacks out of any text: a paste, a log file, pytest or worker output.

This module knows the shapes in which Python prints exceptions and the ways people damage them
when they paste (log prefixes, Markdown, HTML entities, lost lines). It knows nothing about Flask:
it turns text into :class:`Traceback` records and leaves the meaning to :mod:`ctxfix.engine`.

The reader is a line-at-a-time state machine, so a log of any size is read in bounded memory.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Protocol

_PATTERN_METHODS = ("search", "match", "fullmatch", "sub", "finditer", "findall", "split")


class _Lazy:
    """A regular expression compiled when first used.

    The reader knows many shapes (pytest, IPython, Sentry, logs); a plain traceback needs a few
    of them, and compiling all of them at import cost more than reading the traceback. The first
    use of a method compiles the pattern and puts its methods on the instance, so later calls
    go straight to ``re.Pattern`` (the reader makes hundreds of thousands on a big log).
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only for names not set yet
        if name not in _PATTERN_METHODS:
            raise AttributeError(name)
        rx = re.compile(self.pattern, self._flags)
        for method in _PATTERN_METHODS:
            setattr(self, method, getattr(rx, method))
        return getattr(rx, name)


__all__ = [
    "Frame",
    "Traceback",
    "TracebackReader",
    "clean_line",
    "is_library_path",
    "read_tracebacks",
]

MAX_LINE = 8192
"""Longer lines are cut before matching: no traceback line is that long, and regexes stay cheap."""

_MAX_MESSAGE_LINES = 12
_CONTEXT_LINES = 6
_MAX_FRAMES = 400


@dataclass(frozen=True)
class Frame:
    """One stack frame as printed: where, in which function, and the source line if shown."""

    path: str
    line: Optional[int]
    function: str
    code: str = ""

    @property
    def norm_path(self) -> str:
        """The path with forward slashes and lower case, for matching."""
        return self.path.replace("\\", "/").lower()

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} in {self.function}" if self.function else where


@dataclass
class Traceback:
    """One exception found in the text, with the frames that led to it.

    ``frames`` run from the oldest call to the newest, as Python prints them. When the text held a
    chain of exceptions, ``frames``/``exc_type``/``message`` describe the last one and ``chain``
    the earlier ones. ``truncated`` means frames were found but the exception line was not.
    """

    frames: list[Frame] = field(default_factory=list)
    exc_type: Optional[str] = None
    message: str = ""
    chain: list[tuple[Optional[str], str, list[Frame]]] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    start_line: int = 0
    end_line: int = 0
    truncated: bool = False
    shape: str = "python"
    reversed: bool = False

    @property
    def first_message_line(self) -> str:
        return self.message.strip().splitlines()[0].strip() if self.message.strip() else ""

    def all_frames(self) -> list[Frame]:
        """Frames of the whole chain, oldest exception first."""
        out: list[Frame] = []
        for _, _, frames in self.chain:
            out.extend(frames)
        out.extend(self.frames)
        return out


# ---------------------------------------------------------------------------------------------
# Cleaning one line

_ANSI = _Lazy(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_QUOTE = _Lazy(r"^\s{0,3}(?:>\s?)+")
_FENCE = _Lazy(r"^\s*(?:```|~~~)[\w+-]*\s*$")
_WRAPPED_EMPHASIS = _Lazy(r"^([*_]{1,3})(?=[A-Za-z<\[(])(.*?)(?<=\S)\1$")
_EDGE_TICKS = _Lazy(r"^`+(?=\S)|(?<=\S)`+$")
_TRAILING_COMMA = _Lazy(r"(?<=[.\w\])'\"]),\s*$")


def clean_line(raw: str) -> str:
    """Undo the damage a line picks up in terminals, Markdown and HTML pastes.

    Log prefixes are not removed here; they are learnt per traceback by the reader.
    """
    line = raw[:MAX_LINE]
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    if "\r" in line:
        line = line.replace("\r", "")
    if "\x00" in line:
        line = line.replace("\x00", "")
    if "\t" in line:
        line = line.expandtabs(4)
    if "&" in line and ";" in line:
        line = html.unescape(line)
    if ">" in line[:6]:
        line = _QUOTE.sub("", line)
    if ("`" in line or "~" in line) and _FENCE.match(line):
        return ""
    stripped = line.strip()
    if stripped[:1] in "*_" and stripped:
        m = _WRAPPED_EMPHASIS.match(stripped)
        if m:
            line = line.replace(stripped, m.group(2))
    if "`" in line:
        line = (
            _EDGE_TICKS.sub("", line.strip())
            if line.strip().startswith("`") or line.rstrip().endswith("`")
            else line
        )
    return line.rstrip()


# ---------------------------------------------------------------------------------------------
# Recognising line kinds

_HEADER = _Lazy(r"(?:T|\b)raceback \(most recent call last\):?")
_HEADER_BARE = _Lazy(r"^\s*Traceback\s*\(most recent call last\)\s*$")
_PY_FRAME = _Lazy(r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>[^\s].*?))?\s*,?$')
_PY_FRAME_NOQUOTE = _Lazy(
    r"^\s*File (?P<path>[^\s\"]+), line (?P<line>\d+)(?:, in (?P<func>\S.*?))?\s*$"
)
_PYTEST_FRAME = _Lazy(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): in (?P<func>\S+)\s*$")
_PYTEST_LOC = _Lazy(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+):(?: (?P<exc>[\w.]+))?\s*$")
_PYTEST_LINE = _Lazy(
    r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): (?P<type>[\w.]*(?:Error|Exception|Exit)): "
    r"(?P<msg>.*)$"
)
_PYTEST_E = _Lazy(r"^E(?: {1,12}|$)")
_PYTEST_SOURCE = _Lazy(r"^>\s{1,12}\S")
_PYTEST_DEF = _Lazy(r"^\s*(?:async\s+)?def (\w+)\(")
_IPY_FRAME = _Lazy(
    r"^(?:Cell (?P<cell>In ?\[\d+\]), line (?P<cline>\d+)|Input (?P<input>In ?\[\d+\])"
    r"|File (?P<path>\S.*?):(?P<line>\d+))(?:, in (?P<func>\S.*?))?\s*$"
)
"""IPython 8+ frame lines: ``Cell In[3], line 1``, ``File ~/shop.py:9, in price(amount)``."""
_IPY7_FRAME = _Lazy(
    r"^(?P<path><ipython-input-[\w-]+>|\S.*?\.py|\S*ipykernel_\S+)"
    r" in (?P<func>[\w<>.]+)(?:\(.*\))?\s*$"
)
"""IPython 7 frame lines (``~/shop.py in price(amount)``), read only after an IPython header."""
_IPY_SOURCE = _Lazy(r"^(?P<arrow>-*>)?\s*(?P<line>\d+)(?:\s(?P<code>.*))?$")
_SENTRY_FRAME = _Lazy(r"^\s*(?P<path>\S+\.py) in (?P<func>[\w<>.]+) at line (?P<line>\d+)\s*$")
_SECTION = _Lazy(
    r"^(?:_{3,} (?P<t1>.+?) _{3,}|={3,} (?P<t2>.+?) ={3,}|(?P<t3>(?:ERROR|FAIL): \w+ \(.+\)))\s*$"
)
_CARET = _Lazy(r"^\s*[~^]+[~^\s]*$")
_ELISION = _Lazy(
    r"^\s*(?:\.{3,}|…|<snip(?:ped)?>|\[\.\.\.\]|\(\.\.\.\)|\[Previous line repeated .*\]"
    r"|\.\.\. \d+ (?:more )?(?:lines?|frames?).*)\s*$",
    re.I,
)
_CHAIN = _Lazy(
    r"During handling of the above exception, another exception occurred"
    r"|The above exception was the direct cause of the following exception",
)
_EXC_NAME = (
    r"(?:[A-Za-z_][\w]*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Failure)"
    r"|KeyError|StopIteration)"
)
_EXC = _Lazy(r"^\s*(?P<type>" + _EXC_NAME + r")(?:\s*:\s?(?P<msg>.*))?$")
_EXC_REPR = _Lazy(r"(?P<type>" + _EXC_NAME + r")\((?P<q>['\"])(?P<msg>.*?)(?:(?P=q)\s*,?\s*\)|$)")
_EXC_NOTYPE_PREFIXED = _Lazy(r"^\s*(?:builtins\.)?(?P<type>" + _EXC_NAME + r")\s*$")


def is_library_path(path: str) -> bool:
    """True for frames that belong to an installed package, the standard library or the runtime.

    Flask-specific libraries (flask, werkzeug, extensions) are the engine's concern; this only
    knows where Python keeps code that is not the user's.
    """
    p = path.replace("\\", "/").lower()
    if p.startswith("<frozen") or p.startswith("<shim>"):
        return True
    if "site-packages/" in p or "dist-packages/" in p or p.startswith("site/"):
        return True
    if _STDLIB.search(p):
        return True
    return False


_STDLIB = _Lazy(
    r"(?:^|/)lib(?:64)?/python[\d.]*t?/(?!site-packages|dist-packages)"
    r"|(?:^|/)python[\d.]*t?/lib/(?!site-packages)"
    r"|(?:^|/)python\d*\.framework/versions/[\d.]+/lib/"
    r"|(?:^|/)lib/(?:threading|asyncio/|concurrent/|multiprocessing/|importlib/|runpy|code|socketserver)"
)


_PYTEST_SOURCE_RAW = _Lazy(r"^\s{0,3}>\s{3,}\S")
_PYTEST_SUMMARY = _Lazy(r"^(?P<kind>FAILED|ERROR) (?P<test>\S+?(?:::\S+|\.py))(?: - (?P<msg>.+))?$")
_DIVIDER = _Lazy(r"^\s*(?:-{10,}|={10,}|~{10,})\s*$")
_META_LINE = _Lazy(
    r"^\s*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s?Z|\s?[+-]\d\d:?\d\d)?"
    r"|[A-Z][a-z]{2},? [A-Z]?[a-z]{0,2}\s*\d{1,2},? (?:\d{4},? )?\d\d?:\d\d:\d\d(?:[.,]\d+)?"
    r"(?: [AP]M)?"
    r"|\d\d?:\d\d:\d\d(?:[.,]\d+)?(?: [AP]M)?"
    r"|\d{10}(?:\d{3})?(?:\.\d+)?)"
    r"(?:\s+(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|stderr|stdout))?\s*$"
)
"""A line holding only a time stamp (and maybe a level): log viewers put one above each line."""

_IDLE_TOKENS = (
    "raceback",
    "File ",
    "Error",
    "Exception",
    "Exit",
    "Interrupt",
    "Warning",
    "Failure",
    "StopIteration",
    ".py",
    "___",
    "===",
    "FAIL",
    "ERROR",
    "E ",
    "E\t",
    ">",
    "def ",
)
"""Every line that can start a record, or set state outside one, contains one of these."""
_IDLE_RX = _Lazy("|".join(map(re.escape, _IDLE_TOKENS)))

_LOG_LINE = _Lazy(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3}){3}\s+-\s|\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[\d\d/\w{3}/\d{4}"
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d |\[\d{9,}\])"
)
"""The start of a new log entry: it ends an exception message that has no log prefix."""

_LOG_LINE_MORE = _Lazy(
    r"^\s*(?:\d\d?:\d\d:\d\d(?:[.,]\d+)?\s|\d{4}/\d\d/\d\d \d\d:"
    r"|\[?(?:DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\b[\]:]?\s"
    r"|(?:time|ts|level|lvl)=\S)"
)
"""More starts of a log entry: a bare time, a level word, logfmt."""

_HTTP_METHODS = frozenset("GET HEAD POST PUT PATCH DELETE OPTIONS".split())
_PROMPTS = (">>>", "In [", "Out[", "$ ", "% ", "PS ")


def _ends_message(text: str, raw: str, after_blank: bool, log_shapes: frozenset[str]) -> bool:
    """True when ``text``, the line after an exception message, starts something else.

    A message goes on over the lines right after it, and over a paragraph of explanation after
    one blank line. It ends at a log entry (a time stamp or level, or the shape of the log lines
    before the traceback), a line reporting an error (``task x: FAILURE: Error('...')``, an id
    and a status), an HTTP request line, a prompt, test runner output, or, after a blank line,
    anything that does not start a sentence.
    """
    first = text[:1]
    # Every start the patterns below look for begins with one of these (or is upper case).
    if first.isdigit() or first in "[(<-$%IPORtl" or text[:4].isupper():
        if _LOG_LINE.match(text) or _LOG_LINE_MORE.match(text):
            return True
        if text.startswith(_PROMPTS):
            return True
        if text.startswith("<!") or (text.startswith("---") and text.endswith("---")):
            return True
        if text.startswith(("Ran ", "OK", "FAILED (")) and (
            text[:2] == "OK" or " test" in text or text.startswith("FAILED (")
        ):
            return len(text) < 80
    words = text.split(None, 2)
    if len(words) >= 2 and words[0] in _HTTP_METHODS and words[1][:1] in "/h":
        return True
    if any(_looks_like_id(w) for w in words[:2]):
        return True
    if "(" in text and _EXC_REPR.search(text):
        return True
    if log_shapes and _line_shape(text) in log_shapes:
        return True
    if ">>>" in raw[:24]:
        # The REPL's prompt: cleaning took it for a Markdown quote and removed it from ``text``.
        head = _ANSI.sub("", raw[:24]) if "\x1b" in raw[:24] else raw
        if head.lstrip()[:3] == ">>>":
            return True
    if after_blank:
        return not (
            len(words) >= 2
            and words[0].rstrip(",:;").isalpha()
            and words[1].rstrip(",.:;").replace("'", "").replace("-", "").isalpha()
        )
    return False


def _looks_like_id(word: str) -> bool:
    """A job id, a uuid, a date or a hex address: four digits or more, mixed with other marks."""
    digits = sum(ch.isdigit() for ch in word)
    if digits < 4:
        return False
    return (
        word.endswith((":", "]")) or "[" in word or "-" in word or any(ch.isalpha() for ch in word)
    )


def _line_shape(text: str) -> str:
    """The shape of a line's first two words, when they hold a number: ``09:30:00 Worker``
    gives ``0:0:0 a``. Lines of one log share it, whatever their times and ids."""
    head = text.split(None, 2)[:2]
    if not any(ch.isdigit() for w in head for ch in w):
        return ""
    out = []
    for w in head:
        shape = []
        run = ""
        for ch in w:
            if ch.isalnum():
                run += ch
                continue
            if run:
                shape.append("0" if any(c.isdigit() for c in run) else "a")
                run = ""
            shape.append(ch)
        if run:
            shape.append("0" if any(c.isdigit() for c in run) else "a")
        out.append("".join(shape))
    return " ".join(out)


_LOOKAHEAD_LIMIT = 2 * _MAX_FRAMES + 40
_LOOKAHEAD_OTHER = 7


@dataclass
class _State:
    tb: Optional[Traceback] = None
    expecting_code: bool = False
    in_message: bool = False
    message_lines: int = 0
    blank_run: int = 0
    prefix: Optional[re.Pattern] = None
    chained: bool = False
    pytest_source: str = ""
    pytest_def: str = ""
    noise_run: int = 0
    section: str = ""
    log_shapes: frozenset[str] = frozenset()


def _prefix_pattern(prefix: str) -> Optional[re.Pattern]:
    """Turn the text printed before an anchor (a log prefix) into a pattern for its siblings."""
    prefix = prefix.rstrip()
    if not prefix or len(prefix) > 200:
        return None
    parts = []
    for tok in re.split(r"(\d+|\s+)", prefix):
        if not tok:
            continue
        if tok.isdigit():
            parts.append(r"\d+")
        elif tok.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(tok))
    try:
        return re.compile(r"^\s*" + "".join(parts) + r"\s?")
    except re.error:  # pragma: no cover - escape() output always compiles
        return None


def _strip_known_prefix(line: str) -> str:
    m = _LOG_PREFIX.match(line)
    return line[m.end() :] if m else line


_LOG_PREFIX = _Lazy(
    r"^\s*(?:"
    r"\[\d{4}-\d\d-\d\d[ T][\d:,.]+(?:\s*[+-]\d{4})?(?::\s*\w+/[\w.-]+)?\]\s*"
    r"(?:\[\d+\]\s*)?(?:\[\w+\]\s*)?"
    r"|\d{4}-\d\d-\d\d[ T][\d:,.]+(?:Z|[+-]\d\d:?\d\d)?\s+(?:(?:stdout|stderr) [FP] )?"
    r"(?:\[?\w+\]?\s+)?(?:[\w.]+:\s)?"
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?:\s?"
    r"(?:\d\d:\d\d:\d\d [\w.]+\s+\|\s?)?"
    r"|[\w.-]+[-_]\d+\s+\|\s?"
    r"|[\w.-]+\s+\|\s(?=\s*(?:Traceback|File |[A-Z]\w*(?:Error|Exception)\b))"
    r"|\[\d{9,}\]\s"
    r"|(?:ERROR|CRITICAL|WARNING|INFO|DEBUG):[\w.]+:"
    r")"
)


def _message_hints(pattern: Optional[_Searcher]) -> tuple[str, ...]:
    """Lower-case words such that any text ``pattern`` matches contains one of them.

    Used to pass over lines cheaply: a line with none of them cannot match. Words are taken from
    the literal text at the top level of each alternative (optional groups are skipped) and
    without their first letter, so a capitalised first word still matches. Returns () when some
    alternative has no usable word: then every line must be tried.
    """
    source = getattr(pattern, "pattern", None)
    if not isinstance(source, str):
        return ()
    branches: list[set[str]] = []
    for branch in _top_level_split(source):
        words = set()
        for run in _literal_runs(branch):
            for w in re.findall(r"[a-z_']{5,}", run.lower()):
                words.add(w[1:])
        if not words:
            return ()
        branches.append(words)
    hints: list[str] = []
    while branches:
        counts: dict[str, int] = {}
        for words in branches:
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        best = max(counts, key=lambda w: (counts[w], len(w), w))
        hints.append(best)
        branches = [b for b in branches if not any(best in w for w in b)]
    return tuple(hints)


def _top_level_split(source: str) -> list[str]:
    out, depth, cur, i = [], 0, [], 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            cur.append(source[i : i + 2])
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def _literal_runs(branch: str) -> list[str]:
    """Runs of plain characters at depth 0 that every match of ``branch`` contains."""
    runs, cur, depth, i = [], [], 0, 0
    while i < len(branch):
        ch = branch[i]
        nxt = branch[i + 1] if i + 1 < len(branch) else ""
        if ch == "\\":
            runs.append("".join(cur))
            cur = []
            i += 2
            continue
        if ch in "([":
            runs.append("".join(cur))
            cur = []
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and (ch.isalnum() or ch in " _'"):
            if nxt in ("?", "*", "{"):
                runs.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
        elif depth == 0:
            runs.append("".join(cur))
            cur = []
        i += 1
    runs.append("".join(cur))
    return [r for r in runs if r]


class _Match(Protocol):
    def start(self) -> int: ...


class _Searcher(Protocol):
    """What ``bare_messages`` must offer: a compiled regex, or anything with the same search."""

    def search(self, text: str) -> Optional[_Match]: ...


class TracebackReader:
    """Push-style reader: feed it lines, get back the records each line completes.

    ``bare_messages`` matches error messages that people paste without the exception's type
    name; the caller decides which messages those are. ``hints`` are lower-case texts at least
    one of which every such message contains, as it is printed (so leave out a first letter that
    may be upper case): lines holding none of them are not tried against ``bare_messages``, and
    big logs are skimmed for them. Without ``hints``, they are worked out from the pattern.

    Lines that cannot start a record cost little: while no record is open, a line holding none
    of :attr:`anchors` is skipped. A caller streaming a big file can go further and not feed such
    lines at all (see :meth:`skip`): :mod:`ctxfix.inputs` does that for big logs.
    """

    def __init__(
        self, bare_messages: Optional[_Searcher] = None, hints: Optional[Iterable[str]] = None
    ) -> None:
        self.bare_messages = bare_messages
        self.st = _State()
        self.recent: deque[str] = deque(maxlen=_CONTEXT_LINES)
        self.pending: Optional[Traceback] = None
        self.lineno = 0
        self._hints = (
            tuple(h.lower() for h in hints) if hints is not None else _message_hints(bare_messages)
        )
        self._hint_rx = (
            _Lazy("|".join(map(re.escape, self._hints))) if self._hints else None
        )  # one search instead of a loop over the hints
        self._history: deque[str] = deque(maxlen=2)
        self._look: Optional[list[tuple[int, str]]] = None
        self._look_frames = 0
        self._look_other = 0
        self._look_header = -1
        self._look_first: tuple[int, str] = (0, "")
        self._replaying = False
        self._seen_gists: set[str] = set()
        self.last_framed: Optional[tuple[int, str]] = None

    # -- the streaming interface -----------------------------------------------------------

    @property
    def anchors(self) -> tuple[str, ...]:
        """Text a line must hold to be worth feeding while no record is open (for skimming).

        A traceback is found by its header ("Traceback (most recent call last)"), and an error
        printed without one by the hints of ``bare_messages``, which its message holds. Lines
        before an anchor are fed too, for context. Frames alone, pytest output without a header,
        and header-less errors whose message is not a bare message are found only when fed.
        Without hints, exception names stand in for them.
        """
        if self._hints:
            return ("raceback", *self._hints)
        return ("raceback", "Error", "Exception")

    @property
    def idle(self) -> bool:
        """True when no record is open: the next lines may be skipped if they hold no anchor."""
        return self.st.tb is None and self._look is None

    @property
    def at_rest(self) -> bool:
        """Idle, and nothing read so far can change a record still to come.

        Holds when no record is open or held back to merge with one that may come (see
        :meth:`release`), and no pytest section is in force. (Message gists remembered for
        pytest's summary lines are the one exception: see :meth:`seen_before`.) A reader at rest
        and a new one, told the line number, read what follows alike, after a stretch of lines
        with no anchor: that is what lets :mod:`ctxfix.parallel` read the second half of a log
        in another process.
        """
        return self.idle and not self.st.section and not self._holds_mergeable()

    def _holds_mergeable(self) -> bool:
        # A held-back one-line report merges only with a traceback a few lines away (_merge).
        pending = self.pending
        return pending is not None and self.lineno - pending.end_line <= _MERGE_REACH

    def release(self) -> list[Traceback]:
        """Hand out a held-back one-line report that nothing still to come can merge with.

        One reader emits it when the next record completes; a caller that stops reading here
        (:mod:`ctxfix.parallel` at its cut) takes it now, in the same place in the order.
        """
        if self.pending is None or self._holds_mergeable():
            return []
        tb, self.pending = self.pending, None
        return [] if _repeats_last(self, tb) else [tb]

    def seen_before(self, message: str) -> bool:
        """Whether a record with this message was read already (pytest's summary repeats it)."""
        gist = _gist(message)
        return any(g.startswith(gist) for g in self._seen_gists)

    def skip(self, count: int) -> None:
        """Count ``count`` lines the caller did not feed because they hold no anchor.

        Skipped lines cut the context: the lines read before them, and the pytest section
        header among them, are no longer "just above" whatever comes next.
        """
        if count > 0:
            self.lineno += count
            self._history.clear()
            self.recent.clear()
            self.st.section = ""

    def feed(self, raw: str) -> list[Traceback]:
        """Read one line; return the records it completes (usually none)."""
        self.lineno += 1
        if self._look is not None:
            return self._lookahead(raw, self.lineno)
        return self._step(raw, self.lineno)

    def close(self) -> list[Traceback]:
        """Finish the record in progress and return what is left."""
        out: list[Traceback] = []
        if self._look is not None:
            if self._look_header >= 0:
                out.extend(self._replay_reversed(None))
            else:
                out.extend(self._replay_in_order())
        done = self._finish()
        if done is not None:
            out.extend(self._merged([done]))
        if self.pending is not None:
            if not _repeats_last(self, self.pending):
                out.append(self.pending)
            self.pending = None
        return out

    # -- records -----------------------------------------------------------------------------

    def _finish(self) -> Optional[Traceback]:
        st = self.st
        tb = st.tb
        st.tb = None
        st.expecting_code = st.in_message = st.chained = False
        st.prefix = None
        st.pytest_source = st.pytest_def = ""
        st.noise_run = 0
        if tb is None:
            return None
        tb.message = tb.message.strip("\n")
        if tb.end_line < tb.start_line:
            tb.start_line, tb.end_line = tb.end_line, tb.start_line
        if tb.exc_type is None and not tb.message:
            if not tb.frames:
                return None
            tb.truncated = True
        if len(self._seen_gists) < 2000:
            self._seen_gists.add(_gist(tb.message))
        return tb

    def _start(self, lineno: int, shape: str = "python") -> Traceback:
        tb = Traceback(start_line=lineno, end_line=lineno, shape=shape)
        tb.context = [c for c in self.recent if c.strip()]
        self.st.log_shapes = frozenset(filter(None, map(_line_shape, tb.context)))
        if self.st.section and self.st.section not in tb.context:
            tb.context.insert(0, self.st.section)
        tb.reversed = self._replaying
        self.st.tb = tb
        self.st.blank_run = 0
        return tb

    def _merged(self, done: list[Traceback]) -> list[Traceback]:
        out: list[Traceback] = []
        for tb in done:
            out.extend(_merge(self, tb))
        return out

    # -- reversed pastes -----------------------------------------------------------------------
    #
    # A traceback printed newest line first starts with the exception line and ends with
    # "Traceback (most recent call last):". After an exception line that opens a record, the
    # reader holds the next lines back until it can tell: a header after frames (and not
    # followed by frames of its own) means the block was reversed, and it is read again the
    # right way round; anything else is read in order as it came.

    def _lookahead(self, raw: str, lineno: int) -> list[Traceback]:
        look = self._look
        assert look is not None
        line = clean_line(raw)
        if self._look_header >= 0:
            # The line after the header decides: frames mean a new traceback starts there.
            if _PY_FRAME.search(line) or _PY_FRAME_NOQUOTE.match(line):
                look.append((lineno, raw))
                return self._replay_in_order()
            return self._replay_reversed((lineno, raw))
        look.append((lineno, raw))
        if _HEADER.search(line):
            if self._look_frames and self._reads_reversed(look):
                self._look_header = len(look) - 1
                return []
            return self._replay_in_order()
        if _PY_FRAME.search(line) or _PY_FRAME_NOQUOTE.match(line):
            self._look_frames += 1
            self._look_other = 0
        elif line.strip() and not _META_LINE.match(line):
            self._look_other += 1
        if self._look_other > _LOOKAHEAD_OTHER or len(look) > _LOOKAHEAD_LIMIT:
            return self._replay_in_order()
        return []

    def _reads_reversed(self, look: list[tuple[int, str]]) -> bool:
        """Frames before a header: reversed when code sits above its frame line."""
        kinds = []
        for _, raw in look:
            line = clean_line(raw)
            if not line.strip() or _META_LINE.match(line):
                continue
            if _HEADER.search(line):
                kinds.append("H")
            elif _PY_FRAME.search(line) or _PY_FRAME_NOQUOTE.match(line):
                kinds.append("F")
            else:
                kinds.append("C")
        first_f = kinds.index("F")
        code_above_first = first_f > 0
        frame_above_header = len(kinds) >= 2 and kinds[-2] == "F"
        return code_above_first or frame_above_header

    def _stop_lookahead(self) -> list[tuple[int, str]]:
        look = self._look or []
        self._look = None
        self._look_frames = self._look_other = 0
        self._look_header = -1
        return look

    def _replay_in_order(self) -> list[Traceback]:
        out: list[Traceback] = []
        look = self._stop_lookahead()
        for lineno, raw in look:
            if self._look is not None:
                # An exception line in the replay opened a new lookahead: it reads on from here.
                out.extend(self._lookahead(raw, lineno))
            else:
                out.extend(self._step(raw, lineno))
        return out

    def _replay_reversed(self, after: Optional[tuple[int, str]]) -> list[Traceback]:
        """Read the held block backwards; ``after`` is the line that followed the header."""
        look = self._stop_lookahead()
        first = self._look_first
        # Drop the record the exception line opened; it is read again at the end.
        st = self.st
        st.tb = None
        st.expecting_code = st.in_message = st.chained = False
        st.prefix = None
        st.noise_run = 0
        out: list[Traceback] = []
        self._replaying = True
        lead = []
        if after is not None:
            after_line = clean_line(after[1]).strip()
            if after_line and not _EXC.match(_strip_known_prefix(after_line)):
                lead = [after]
        try:
            for lineno, raw in [*lead, *reversed(look), first]:
                out.extend(self._step(raw, lineno))
            done = self._finish()
            if done is not None:
                out.extend(self._merged([done]))
        finally:
            self._replaying = False
        if after is not None and not lead:
            out.extend(self._step(after[1], after[0]))
        return out

    # -- one line ---------------------------------------------------------------------------

    def _step(self, raw: str, lineno: int) -> list[Traceback]:
        st = self.st
        line = clean_line(raw)
        history = self._history
        if st.tb is None:
            if (
                not _IDLE_RX.search(line)
                and ">" not in raw[:8]
                and not (
                    self.bare_messages is not None
                    and (self._hint_rx is None or self._hint_rx.search(line.lower()))
                )
            ):
                # The cheap path: an ordinary log line while no record is open.
                history.append(line)
                stripped = line.strip()
                if stripped:
                    if _LOG_PREFIX.match(stripped):
                        stripped = _strip_known_prefix(stripped).strip()
                    if stripped:
                        self.recent.append(stripped)
                return []
        elif (
            line
            and (_META_LINE.match(line) or (len(history) == 2 and line == history[0]))
            and not (_PY_FRAME.search(line) or _EXC.match(line.strip()))
            and len(line) < 80
        ):
            # A time stamp or program name a log viewer printed on a line of its own.
            history.append(line)
            return []
        history.append(line)
        out: list[Traceback] = []
        again = False
        bare_messages = self.bare_messages
        recent = self.recent
        finish = self._finish

        def start(shape: str = "python") -> Traceback:
            return self._start(lineno, shape)

        body = line
        if st.prefix is not None:
            m = st.prefix.match(body)
            if m:
                body = body[m.end() :]
        header = _HEADER.search(body) if "raceback (" in body else None
        if not header:
            body = _strip_known_prefix(body)
        stripped = body.strip()
        if stripped[:3] in ("___", "===", "ERR", "FAI"):
            sec = _SECTION.match(stripped)
            if sec:
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                st.section = stripped
                st.pytest_def = ""
                return self._merged(out)
            summary = _PYTEST_SUMMARY.match(stripped)
            if summary:
                out.extend(self._summary(summary, lineno, stripped))
                return self._merged(out)
        if "def " in body and not st.pytest_def and _PYTEST_DEF.match(body):
            # The first def of an excerpt is its function; later ones sit in its docstring.
            st.pytest_def = _PYTEST_DEF.match(body).group(1)  # type: ignore[union-attr]

        frame_m = (
            None
            if header or "File " not in body
            else (_PY_FRAME.search(body) or _PY_FRAME_NOQUOTE.match(body))
        )
        ipython = st.tb is not None and st.tb.shape == "ipython"
        ipy_m = None
        if not header and not frame_m:
            if stripped[:4] in ("File", "Cell", "Inpu"):
                ipy_m = _IPY_FRAME.match(stripped)
            if ipy_m is None and ipython and " in " in stripped:
                ipy_m = _IPY7_FRAME.match(stripped)
        pytest_e = _PYTEST_E.match(stripped) if stripped.startswith("E") else None
        pytest_source = (
            not header
            and not frame_m
            and ">" in raw[:8]
            and not (st.tb is not None and st.tb.shape in ("python", "message"))
            and _PYTEST_SOURCE_RAW.match(_ANSI.sub("", raw) if "\x1b" in raw else raw)
        )

        if header:
            prefix = body[: header.start()]
            # IPython: "RuntimeError          Traceback (most recent call last)".
            ipython = bool(prefix.strip()) and bool(_EXC_NOTYPE_PREFIXED.match(prefix))
            if ipython:
                prefix = ""
            chained = st.chained
            if st.tb is not None and not chained:
                done = finish()
                if done:
                    out.append(done)
            if chained and st.tb is not None:
                st.chained = False
                st.tb.end_line = lineno
            else:
                start("ipython" if ipython else "python")
            st.prefix = _prefix_pattern(prefix) if prefix.strip(" `'\"") else st.prefix
        elif frame_m:
            if st.tb is None or (st.tb.exc_type is not None and not st.chained):
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                start()
            elif st.chained:
                st.chained = False
            prefix = body[: frame_m.start()]
            if prefix.strip() and st.prefix is None:
                st.prefix = _prefix_pattern(prefix)
            func = (frame_m.group("func") or "").strip()
            tb = st.tb
            assert tb is not None
            if len(tb.frames) < _MAX_FRAMES:
                tb.frames.append(Frame(frame_m.group("path"), int(frame_m.group("line")), func))
            tb.end_line = lineno
            st.expecting_code = True
            st.in_message = False
            st.noise_run = 0
        elif ipy_m:
            if st.tb is None or (st.tb.exc_type is not None and not st.chained):
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                start("ipython")
            st.chained = False
            tb = st.tb
            assert tb is not None
            if len(tb.frames) < _MAX_FRAMES:
                tb.frames.append(_ipython_frame(ipy_m))
            tb.end_line = lineno
            st.expecting_code = st.in_message = False
            st.noise_run = 0
        elif (
            ipython
            and st.tb.exc_type is None
            and (stripped == "(...)" or stripped[:1].isdigit() or stripped[:2] in ("->", "--"))
            and _IPY_SOURCE.match(stripped)
        ):
            # IPython prints a few numbered lines around each frame's line; the arrow marks it.
            m = _IPY_SOURCE.match(stripped)
            tb = st.tb
            if m and m.group("arrow") and tb.frames and not tb.frames[-1].code:
                last = tb.frames[-1]
                line_no = last.line if last.line is not None else int(m.group("line"))
                code = (m.group("code") or "").strip()
                tb.frames[-1] = Frame(last.path, line_no, last.function, code)
            tb.end_line = lineno
        elif (
            st.tb is not None
            and st.expecting_code
            and stripped
            and not _CARET.match(body)
            and not (_EXC.match(stripped) and _looks_final(stripped))
            and not (pytest_e is not None and st.tb.shape == "pytest")
        ):
            tb = st.tb
            last = tb.frames[-1]
            if stripped != "???":  # pytest's mark for source it could not read
                tb.frames[-1] = Frame(last.path, last.line, last.function, stripped)
            tb.end_line = lineno
            st.expecting_code = False
        elif _CARET.match(body) and st.tb is not None and st.tb.exc_type is None:
            st.tb.end_line = lineno
        elif _CHAIN.search(body):
            if st.tb is not None:
                st.tb.chain.append((st.tb.exc_type, st.tb.message.strip("\n"), st.tb.frames))
                st.tb.frames = []
                st.tb.exc_type = None
                st.tb.message = ""
                st.tb.end_line = lineno
                st.chained = True
                st.in_message = False
        elif pytest_e is not None:
            text = stripped[pytest_e.end() :]
            m = _EXC.match(text)
            tb = st.tb
            if tb is None or (tb.exc_type is not None and not st.in_message):
                if tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                tb = start("pytest")
            if tb.exc_type is None and m and m.group("msg") is not None:
                tb.exc_type = m.group("type")
                tb.message = m.group("msg") or ""
                st.in_message = True
                st.message_lines = 0
            elif tb.exc_type is not None and st.in_message:
                if st.message_lines < _MAX_MESSAGE_LINES:
                    tb.message += "\n" + text
                    st.message_lines += 1
            elif tb.exc_type is None and text.strip():
                # E-lines before the "Type: message" line: a repr of the error, e.g. in assertions.
                rm = _EXC_REPR.search(text)
                if rm:
                    tb.exc_type = rm.group("type")
                    tb.message = _unrepr(rm.group("msg"))
            tb.shape = "pytest"
            tb.end_line = lineno
            st.expecting_code = False
        elif pytest_source:
            st.pytest_source = stripped
            if st.tb is None or (st.tb.exc_type is not None and not st.in_message):
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                start("pytest")
            st.in_message = False
        elif _PYTEST_LINE.match(stripped):
            m = _PYTEST_LINE.match(stripped)
            assert m is not None
            tb = st.tb
            if (
                tb is not None
                and tb.shape == "pytest"
                and not tb.frames
                and _gist(tb.message) == _gist(m.group("msg"))
            ):
                # --tb=line after the E-lines of the same failure: where it was raised.
                tb.frames.append(Frame(m.group("path"), int(m.group("line")), ""))
                tb.end_line = lineno
            else:
                if tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                tb = start("pytest-line")
                tb.frames.append(Frame(m.group("path"), int(m.group("line")), ""))
                tb.exc_type = m.group("type")
                tb.message = m.group("msg")
            done = finish()
            if done:
                out.append(done)
        elif (_PYTEST_FRAME.match(stripped) or _PYTEST_LOC.match(stripped)) and (
            st.tb is not None or _PYTEST_FRAME.match(stripped)
        ):
            m = _PYTEST_FRAME.match(stripped) or _PYTEST_LOC.match(stripped)
            assert m is not None
            if st.tb is None:
                start("pytest")
            tb = st.tb
            assert tb is not None
            func = m.groupdict().get("func") or st.pytest_def
            if len(tb.frames) < _MAX_FRAMES:
                tb.frames.append(
                    Frame(m.group("path"), int(m.group("line")), func, st.pytest_source)
                )
            if m.groupdict().get("exc") and tb.exc_type is None:
                tb.exc_type = m.group("exc")
            tb.shape = "pytest"
            tb.end_line = lineno
            # `path:N: in func` prints the frame's source line under it; a location line alone
            # comes after its source, which the `>` line already gave.
            st.expecting_code = bool(m.groupdict().get("func")) and not st.pytest_source
            st.pytest_source = st.pytest_def = ""
            st.in_message = False
            st.noise_run = 0
            if m.groupdict().get("exc"):
                done = finish()
                if done:
                    out.append(done)
        elif _SENTRY_FRAME.match(body):
            m = _SENTRY_FRAME.match(body)
            assert m is not None
            if st.tb is None or st.tb.exc_type is not None and st.tb.frames:
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                start("sentry")
            tb = st.tb
            assert tb is not None
            if len(tb.frames) < _MAX_FRAMES:
                tb.frames.append(Frame(m.group("path"), int(m.group("line")), m.group("func")))
            tb.end_line = lineno
            st.expecting_code = True
        elif (
            st.tb is not None
            and st.tb.exc_type is None
            and st.tb.shape == "pytest"
            and st.section[:1] == "_"
            and (body[:1] == " " or stripped[:3] == "_ _")
        ):
            # Inside a failure of pytest's long form, indented lines are source excerpts (whole
            # library functions on old versions, docstrings and all): they neither end the
            # failure nor count as exception lines. The `E` lines or the next section end it.
            st.expecting_code = False
        else:
            exc = _EXC.match(stripped) if stripped else None
            if exc and not _looks_final(stripped):
                exc = None
            bare = repr_m = None
            if not exc and stripped and not (st.tb is not None and st.in_message):
                repr_m = _EXC_REPR.search(stripped)
                if repr_m is None and bare_messages is not None:
                    bare = bare_messages.search(stripped)
            if repr_m:
                if st.tb is not None:
                    done = finish()
                    if done:
                        out.append(done)
                tb = start("repr")
                tb.exc_type = repr_m.group("type")
                tb.message = _unrepr(repr_m.group("msg"))[:_MAX_MESSAGE_CHARS]
                tb.context = list(tb.context) + [stripped[:_MAX_MESSAGE_CHARS]]
                done = finish()
                if done:
                    out.append(done)
            elif bare:
                tb = st.tb
                if tb is None or tb.exc_type is not None or tb.message:
                    if tb is not None:
                        done = finish()
                        if done:
                            out.append(done)
                    tb = start("message")
                tb.message = stripped[bare.start() :]
                tb.end_line = lineno
                st.in_message = True
                st.message_lines = 0
                st.expecting_code = False
            elif exc:
                tb = st.tb
                opened = False
                if tb is None or (
                    tb.exc_type is not None and not (tb.shape == "sentry" and not tb.frames)
                ):
                    if tb is not None:
                        done = finish()
                        if done:
                            out.append(done)
                    tb = start()
                    opened = True
                tb.exc_type = exc.group("type")
                tb.message = exc.group("msg") or ""
                tb.end_line = lineno
                st.in_message = True
                st.message_lines = 0
                st.expecting_code = False
                st.blank_run = 0
                if tb.shape == "python" and not tb.frames:
                    tb.shape = "message"
                if opened and not self._replaying and tb.shape == "message":
                    self._look = []
                    self._look_first = (lineno, raw)
            elif st.tb is not None and st.in_message:
                if not stripped:
                    st.blank_run += 1
                    if st.blank_run >= 2:
                        done = finish()
                        if done:
                            out.append(done)
                    elif st.tb.message:
                        st.tb.message += "\n"
                elif (
                    _ELISION.match(stripped)
                    or _DIVIDER.match(stripped)
                    or st.message_lines >= _MAX_MESSAGE_LINES
                    or (st.prefix is None and _LOG_PREFIX.match(line))
                    or (st.prefix is not None and not st.prefix.match(line))
                    or _ends_message(stripped, raw, st.blank_run > 0, st.log_shapes)
                ):
                    # The line after a message belongs to what comes next: read it again.
                    done = finish()
                    if done:
                        out.append(done)
                    again = True
                else:
                    st.blank_run = 0
                    st.tb.message += "\n" + stripped[:_MAX_MESSAGE_CHARS]
                    st.tb.end_line = lineno
                    st.message_lines += 1
            elif st.tb is not None and (not stripped or _ELISION.match(stripped)):
                st.expecting_code = False
                if not stripped and st.tb.exc_type is not None:
                    done = finish()
                    if done:
                        out.append(done)
            elif st.tb is not None and not repr_m:
                st.noise_run += 1
                st.expecting_code = False
                if (
                    st.tb.exc_type is None
                    and st.tb.shape.startswith("pytest")
                    and st.noise_run < 40
                ):
                    pass
                elif st.noise_run >= 3 or st.tb.exc_type is not None:
                    done = finish()
                    if done:
                        out.append(done)
            if st.tb is None and stripped and not repr_m and not again:
                recent.append(stripped)

        done_out = self._merged(out)
        if again and st.tb is None:
            if history and history[-1] == line:
                history.pop()
            done_out.extend(self._step(raw, lineno))
        return done_out

    def _summary(self, m: re.Match, lineno: int, stripped: str) -> list[Traceback]:
        """pytest's short summary line: a record only when its error was not read already."""
        msg = (m.group("msg") or "").strip()
        out: list[Traceback] = []
        if self.st.tb is not None:
            done = self._finish()
            if done:
                out.append(done)
        exc = _EXC.match(msg) if msg else None
        if exc is None:
            return out
        text = (exc.group("msg") or "").rstrip(".").rstrip()
        if text.endswith("..."):
            text = text[:-3]
        if self.seen_before(text):
            return out
        tb = self._start(lineno, "pytest-summary")
        tb.exc_type = exc.group("type")
        tb.message = text
        tb.context = [*tb.context, stripped]
        done = self._finish()
        if done:
            out.append(done)
        return out


_MAX_MESSAGE_CHARS = 4000
_MERGE_REACH = 3 + _MAX_MESSAGE_LINES  # the farthest a one-line report merges with a traceback


def read_tracebacks(
    lines: Iterable[str], bare_messages: Optional[_Searcher] = None
) -> Iterator[Traceback]:
    """Yield every exception found in ``lines``, in the order it appears.

    ``lines`` may be any iterable of text lines (a file object streams). Each record carries the
    1-based line numbers where it starts and ends.
    """
    reader = TracebackReader(bare_messages)
    for raw in lines:
        yield from reader.feed(raw)
    yield from reader.close()


def _ipython_frame(m: re.Match) -> Frame:
    """A Frame from an IPython frame line; a cell keeps its name (``Cell In[3]``) as its path."""
    groups = m.groupdict()
    if groups.get("cell"):
        path, line = "Cell " + m.group("cell"), int(m.group("cline"))
    elif groups.get("input"):
        path, line = "Input " + m.group("input"), None
    else:
        path = m.group("path")
        line = int(m.group("line")) if groups.get("line") else None
    func = (m.group("func") or "").strip()
    if func.startswith("<cell line"):
        func = "<module>"
    elif func:
        # "LocalProxy.__init__.<locals>._get_current_object()": Python's own name is the last.
        func = func.split("(", 1)[0].rsplit(".", 1)[-1] or func
    elif path.startswith(("Cell ", "Input ")):
        func = "<module>"
    return Frame(path, line, func)


def _looks_final(stripped: str) -> bool:
    """An exception line has a message or ends the name; guards against code lines like `Foo(x)`."""
    return not re.match(r"^[\w.]+\s*[(=\[]", stripped)


def _unrepr(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def _merge(reader: TracebackReader, tb: Traceback) -> list[Traceback]:
    """Fold a one-line report of an error into the traceback printed right after it.

    Worker logs (Celery, RQ, APScheduler, logging.exception) print the exception's repr or message
    on a log line and then the traceback: that is one occurrence, not two. Sentry-style reports
    print the message first and the frames after it, with no header: also one record.
    """
    out: list[Traceback] = []
    pending = reader.pending
    reader.pending = None
    if pending is not None:
        above = pending.end_line <= tb.start_line
        gap = tb.start_line - pending.end_line if above else pending.start_line - tb.end_line
        # A reversed paste puts the message's explanation lines between the two.
        near = 3 + (_MAX_MESSAGE_LINES if tb.reversed else 0)
        if not pending.frames and tb.frames and 0 <= gap <= near and _same_error(pending, tb):
            tb.context = pending.context + [c for c in tb.context if c not in pending.context]
            tb.start_line = min(tb.start_line, pending.start_line)
            tb.end_line = max(tb.end_line, pending.end_line)
            if tb.exc_type is None and not tb.message:
                tb.exc_type, tb.message, tb.truncated = pending.exc_type, pending.message, False
                if tb.shape == "python" and _newest_first(tb.frames):
                    tb.frames.reverse()
        elif not _repeats_last(reader, pending):
            out.append(pending)
    if not tb.frames and tb.shape in ("repr", "message"):
        reader.pending = tb
    else:
        out.append(tb)
        if tb.frames:
            reader.last_framed = (tb.end_line, _gist(tb.message))
    return out


def _repeats_last(reader: TracebackReader, tb: Traceback) -> bool:
    """A one-line report of the traceback that ended just above it: the same occurrence.

    Workers and scripts often print the error once more after its traceback (a task's FAILURE
    state with the exception's repr, a final `error: ...` line).
    """
    last = reader.last_framed
    return (
        last is not None
        and 0 <= tb.start_line - last[0] <= 3
        and bool(tb.message)
        and _gist(tb.message) == last[1]
    )


def _newest_first(frames: list[Frame]) -> bool:
    """Frames listed innermost first, as some error trackers show them."""
    if len(frames) < 2:
        return False
    first, last = frames[0], frames[-1]
    if last.function == "<module>" and first.function != "<module>":
        return True
    return first.code.startswith("raise ") and not last.code.startswith("raise ")


def _same_error(a: Traceback, b: Traceback) -> bool:
    if b.exc_type is None and not b.message:
        return True
    return _gist(a.message) == _gist(b.message)


def _gist(message: str) -> str:
    return re.sub(r"[^a-z]", "", message.lower())[:30]
