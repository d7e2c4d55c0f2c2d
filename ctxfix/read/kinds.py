"""The kinds of line every paste shape shares: exception lines, frames, log lines, prefixes.

Shape handlers (:mod:`ctxfix.read.shapes`) and the reader use these; a pattern that only one
shape needs lives with that shape.
"""

from __future__ import annotations

import re
from typing import Optional

from ctxfix.read.clean import ANSI, Lazy

HEADER = Lazy(r"(?:T|\b)raceback \(most recent call last\):?")
# Every pattern here runs in time linear in the line: a trailing part that must end the line is
# matched greedily up to its last non-space character (never a lazy `.*?` before `\s*$`, which
# backtracks quadratically on a line of spaces), and a match is made by one anchored attempt or
# a scan for a literal.
PY_FRAME = Lazy(r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>\S(?:.*\S)?))?\s*$')
"""``File "x.py", line 3, in f``; a func may end with a comma (Python 2's SyntaxError frames):
:func:`frame_function` drops it."""
PY_FRAME_NOQUOTE = Lazy(
    r"^\s*File (?P<path>[^\s\"]+), line (?P<line>\d+)(?:, in (?P<func>\S(?:.*\S)?))?\s*$"
)
CARET = Lazy(r"^\s*[~^]+[~^\s]*$")


def is_caret(text: str) -> bool:
    """``^^^^`` or ``~~~^^`` alone on a line: Python 3.11+'s marks under a source line."""
    return ("^" in text or "~" in text) and CARET.match(text) is not None


ELISION = Lazy(
    r"^\s*(?:\.{3,}|…|<snip(?:ped)?>|\[\.\.\.\]|\(\.\.\.\)|\[Previous line repeated .*\]"
    r"|\.\.\. \d+ (?:more )?(?:lines?|frames?).*)\s*$",
    re.I,
)
CHAIN = Lazy(
    r"During handling of the above exception, another exception occurred"
    r"|The above exception was the direct cause of the following exception",
)


def is_chain(text: str) -> bool:
    """A separator between the exceptions of a chain (both wordings hold "exception")."""
    return "exception" in text and CHAIN.search(text) is not None


EXC_NAME = (
    r"(?:[A-Za-z_][\w]*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Failure)"
    r"|KeyError|StopIteration)"
)
ANY_EXC = Lazy(r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s?(?P<msg>.*))?$")
"""An exception line of any class name: read only where Python prints one (under frames)."""
EXC = Lazy(r"^\s*(?P<type>" + EXC_NAME + r")(?:\s*:\s?(?P<msg>.*))?$")
_EXC_NAME_FULL = Lazy(EXC_NAME)
_REPR_OPEN = Lazy(r"(?:Error|Exception|Exit|Interrupt|Warning|Failure|StopIteration)\((?P<q>['\"])")
_REPR_CLOSE = {q: Lazy(q + r"\s{0,4},?\s{0,4}\)") for q in "'\""}


class ReprMatch:
    """An exception's repr found in a line: ``RuntimeError('message')``."""

    __slots__ = ("string", "_start", "_end", "_groups")

    def __init__(self, string: str, start: int, end: int, groups: dict[str, str]) -> None:
        self.string, self._start, self._end, self._groups = string, start, end, groups

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, name: object = 0) -> str:
        return self.string[self._start : self._end] if name == 0 else self._groups[str(name)]


class _ReprFinder:
    """Finds ``SomeError('message')`` (or the unclosed start of one) in time linear in the line:
    it scans for the literal ``Error('`` and walks back over the name, where one regular
    expression would try the name at every position of a long word."""

    def search(self, text: str) -> Optional[ReprMatch]:
        if "('" not in text and '("' not in text:
            return None  # no name( followed by a quote
        for opened in _REPR_OPEN.finditer(text):
            start = opened.start()
            while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
                start -= 1
            name = text[start : opened.start("q") - 1]
            if not _EXC_NAME_FULL.fullmatch(name):
                continue
            q = opened.group("q")
            body = opened.end()
            close = _REPR_CLOSE[q].search(text, body)
            stop, end = (close.start(), close.end()) if close else (len(text), len(text))
            return ReprMatch(text, start, end, {"type": name, "q": q, "msg": text[body:stop]})
        return None


EXC_REPR = _ReprFinder()
"""``RuntimeError('Working outside...')`` anywhere in a line (a worker's log line, say)."""
EXC_NOTYPE_PREFIXED = Lazy(r"^\s*(?:builtins\.)?(?P<type>" + EXC_NAME + r")\s*$")


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
    # Each form of STDLIB holds "python" or "lib/"; most of a user's paths hold neither.
    return ("python" in p or "lib/" in p) and STDLIB.search(p) is not None


STDLIB = Lazy(
    r"(?:^|/)lib(?:64)?/python[\d.]*t?/(?!site-packages|dist-packages)"
    r"|(?:^|/)python[\d.]*t?/lib/(?!site-packages)"
    r"|(?:^|/)python\d*\.framework/versions/[\d.]+/lib/"
    r"|(?:^|/)lib/(?:threading|asyncio/|concurrent/|multiprocessing/|importlib/|runpy|code|socketserver)"
)


DIVIDER = Lazy(r"^\s*(?:-{10,}|={10,}|~{10,})\s*$")
META_LINE = Lazy(
    r"^\s*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s?Z|\s?[+-]\d\d:?\d\d)?"
    r"|[A-Z][a-z]{2},? [A-Z]?[a-z]{0,2}\s*\d{1,2},? (?:\d{4},? )?\d\d?:\d\d:\d\d(?:[.,]\d+)?"
    r"(?: [AP]M)?"
    r"|\d\d?:\d\d:\d\d(?:[.,]\d+)?(?: [AP]M)?"
    r"|\d{10}(?:\d{3})?(?:\.\d+)?)"
    r"(?:\s+(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|stderr|stdout))?\s*$"
)
"""A line holding only a time stamp (and maybe a level): log viewers put one above each line."""


def is_meta_line(line: str) -> bool:
    """A time stamp (and level) on a line of its own; cheap for the lines that cannot be one."""
    text = line.lstrip()
    first = text[:1]
    if not (first.isdigit() or _month_like(text)):  # how each of its forms starts
        return False
    return META_LINE.match(line) is not None


def _month_like(text: str) -> bool:
    """``text`` starts like ``Nov 26`` or ``Tue, 26``: a capital, two small letters, then a space
    or a comma. Every pattern here that starts with a month or a day's name needs it."""
    head, after = text[1:3], text[3:4]
    return (
        text[:1].isupper()
        and head.isalpha()
        and head.islower()
        and (after.isspace() or after == ",")
    )


def is_elision(stripped: str) -> bool:
    """``...``, ``<snip>``, ``[Previous line repeated 996 more times]`` and the like."""
    return stripped[:1] in ".…<[(" and stripped != "" and ELISION.match(stripped) is not None


def is_divider(stripped: str) -> bool:
    return stripped[:1] in "-=~" and stripped != "" and DIVIDER.match(stripped) is not None


IDLE_TOKENS = (
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
IDLE_RX = Lazy("|".join(map(re.escape, IDLE_TOKENS)))

LOG_LINE = Lazy(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3}){3}\s+-\s|\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[\d\d/\w{3}/\d{4}"
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d |\[\d{9,}\])"
)
"""The start of a new log entry: it ends an exception message that has no log prefix."""

LOG_LINE_MORE = Lazy(
    r"^\s*(?:\d\d?:\d\d:\d\d(?:[.,]\d+)?\s|\d{4}/\d\d/\d\d \d\d:"
    r"|\[?(?:DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\b[\]:]?\s"
    r"|(?:time|ts|level|lvl)=\S)"
)
"""More starts of a log entry: a bare time, a level word, logfmt."""


def starts_log_entry(text: str) -> bool:
    """``text`` (stripped) starts a log entry (LOG_LINE or LOG_LINE_MORE). The forms start with
    a digit, a ``[``, a month's name, an upper-case level or a logfmt key: lines that start
    otherwise are not matched at all."""
    text = text.lstrip()
    first = text[:1]
    if not (
        first.isdigit()
        or first == "["
        or text[:4].isupper()
        or _month_like(text)
        or text.startswith(("time=", "ts=", "level=", "lvl="))
    ):
        return False
    return LOG_LINE.match(text) is not None or LOG_LINE_MORE.match(text) is not None


HTTP_METHODS = frozenset("GET HEAD POST PUT PATCH DELETE OPTIONS".split())
PROMPTS = (">>>", "In [", "Out[", "$ ", "% ", "PS ")


def ends_message(text: str, raw: str, after_blank: bool, log_shapes: frozenset[str]) -> bool:
    """True when ``text``, the line after an exception message, starts something else.

    A message goes on over the lines right after it, and over a paragraph of explanation after
    one blank line. It ends at a log entry (a time stamp or level, or the shape of the log lines
    before the traceback), a line reporting an error (``task x: FAILURE: Error('...')``, an id
    and a status), an HTTP request line, a prompt, test runner output, or, after a blank line,
    anything that does not start a sentence.
    """
    first = text[:1]
    if starts_log_entry(text):
        return True
    # Every start the checks below look for begins with one of these (or is upper case).
    if first.isdigit() or first in "[(<-$%IPORtl" or text[:4].isupper():
        if text.startswith(PROMPTS):
            return True
        if text.startswith("<!") or (text.startswith("---") and text.endswith("---")):
            return True
        if text.startswith(("Ran ", "OK", "FAILED (")) and (
            text[:2] == "OK" or " test" in text or text.startswith("FAILED (")
        ):
            return len(text) < 80
    words = text.split(None, 2)
    if len(words) >= 2 and words[0] in HTTP_METHODS and words[1][:1] in "/h":
        return True
    if any(looks_like_id(w) for w in words[:2]):
        return True
    if "(" in text and EXC_REPR.search(text):
        return True
    if log_shapes and line_shape(text) in log_shapes:
        return True
    if ">>>" in raw[:24]:
        # The REPL's prompt: cleaning took it for a Markdown quote and removed it from ``text``.
        head = ANSI.sub("", raw[:24]) if "\x1b" in raw[:24] else raw
        if head.lstrip()[:3] == ">>>":
            return True
    if after_blank:
        return not (
            len(words) >= 2
            and words[0].rstrip(",:;").isalpha()
            and words[1].rstrip(",.:;").replace("'", "").replace("-", "").isalpha()
        )
    return False


def looks_like_id(word: str) -> bool:
    """A job id, a uuid, a date or a hex address: four digits or more, mixed with other marks."""
    digits = sum(ch.isdigit() for ch in word)
    if digits < 4:
        return False
    return (
        word.endswith((":", "]")) or "[" in word or "-" in word or any(ch.isalpha() for ch in word)
    )


def line_shape(text: str) -> str:
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


def prefix_pattern(prefix: str) -> Optional[re.Pattern]:
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


STREAM_PREFIX = Lazy(
    r"^\s*(?:[\w.-]+[-_]\d+\s+\|"  # docker compose: web_1  |
    r"|[\w.-]+\s+\|\s"  # docker compose v2: web  |
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?:"  # journald, syslog
    r"|\S+ (?:stdout|stderr) [FP](?:\s|$)"  # Kubernetes' CRI log lines
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\s)"  # docker logs -t, kubectl, CI runners
)
"""Prefixes a log collector puts on every line a program printed, continuation lines included
(unlike a logging format's time stamp and level, which start a new entry)."""


def log_prefix(line: str) -> Optional[re.Match]:
    """The known log prefix ``line`` starts with (LOG_PREFIX), if any. Most lines start like
    none of its forms, and are not matched at all: those are checked first."""
    text = line.lstrip()
    first = text[:1]
    if not (
        first == "["
        or first.isdigit()
        or "|" in text
        or _month_like(text)
        or text.startswith(("ERROR:", "CRITICAL:", "WARNING:", "INFO:", "DEBUG:"))
    ):
        return None
    return LOG_PREFIX.match(line)


def strip_known_prefix(line: str) -> str:
    m = log_prefix(line)
    return line[m.end() :] if m else line


LOG_PREFIX = Lazy(
    r"^\s*(?:"
    r"\[\d{4}-\d\d-\d\d[ T][\d:,.]+(?:\s*[+-]\d{4})?(?::\s*\w+/[\w.-]+)?\]\s*"
    r"(?:\[\d+\]\s*)?(?:\[\w+\]\s*)?"
    r"|\d{4}-\d\d-\d\d[ T][\d:,.]+(?:Z|[+-]\d\d:?\d\d)?\s+(?:(?:stdout|stderr) [FP](?:\s|$))?"
    r"(?:\[?[A-Z]{3,9}\]?\s+)?(?:(?![\w.]*(?:Error|Exception|Warning|Exit):)[\w.]+:\s)?"
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?:\s?"
    r"(?:\d\d:\d\d:\d\d [\w.]+\s+\|\s?)?"
    r"|[\w.-]+[-_]\d+\s+\|\s?"
    r"|[\w.-]+\s+\|\s(?=\s*(?:Traceback|File |[A-Z]\w*(?:Error|Exception)\b))"
    r"|\[\d{9,}\]\s"
    r"|(?:ERROR|CRITICAL|WARNING|INFO|DEBUG):[\w.]+:"
    r")"
)


_CODE_LIKE = Lazy(r"^[\w.]+\s*[(=\[]")


def looks_final(stripped: str) -> bool:
    """An exception line has a message or ends the name; guards against code lines like `Foo(x)`."""
    if "(" not in stripped and "=" not in stripped and "[" not in stripped:
        return True
    return not _CODE_LIKE.match(stripped)


def unrepr(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def gist(message: str) -> str:
    """A message's letters, for telling whether two records report the same error."""
    return re.sub(r"[^a-z]", "", message.lower())[:30]


def frame_function(m: re.Match) -> str:
    """The function of a frame line, without the trailing comma some printers leave."""
    return (m.group("func") or "").rstrip(",").rstrip()
