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
from typing import Iterable, Iterator, Optional

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

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_FENCE = re.compile(r"^\s*(?:```|~~~)[\w+-]*\s*$")
_WRAPPED_EMPHASIS = re.compile(r"^([*_]{1,3})(?=[A-Za-z<\[(])(.*?)(?<=\S)\1$")
_EDGE_TICKS = re.compile(r"^`+(?=\S)|(?<=\S)`+$")
_TRAILING_COMMA = re.compile(r"(?<=[.\w\])'\"]),\s*$")


def clean_line(raw: str) -> str:
    """Undo the damage a line picks up in terminals, Markdown and HTML pastes.

    Log prefixes are not removed here; they are learnt per traceback by the reader.
    """
    line = raw[:MAX_LINE]
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    line = line.replace("\r", "").replace("\x00", "")
    if "\t" in line:
        line = line.expandtabs(4)
    if "&" in line and ";" in line:
        line = html.unescape(line)
    if ">" in line[:6]:
        line = _QUOTE.sub("", line)
    if _FENCE.match(line):
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

_HEADER = re.compile(r"(?:T|\b)raceback \(most recent call last\):?")
_HEADER_BARE = re.compile(r"^\s*Traceback\s*\(most recent call last\)\s*$")
_PY_FRAME = re.compile(
    r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>[^\s].*?))?\s*,?$'
)
_PY_FRAME_NOQUOTE = re.compile(
    r"^\s*File (?P<path>[^\s\"]+), line (?P<line>\d+)(?:, in (?P<func>\S.*?))?\s*$"
)
_PYTEST_FRAME = re.compile(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): in (?P<func>\S+)\s*$")
_PYTEST_LOC = re.compile(r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+):(?: (?P<exc>[\w.]+))?\s*$")
_PYTEST_LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*?\.py):(?P<line>\d+): (?P<type>[\w.]*(?:Error|Exception|Exit)): "
    r"(?P<msg>.*)$"
)
_PYTEST_E = re.compile(r"^E(?: {1,12}|$)")
_PYTEST_SOURCE = re.compile(r"^>\s{1,12}\S")
_PYTEST_DEF = re.compile(r"^\s*(?:async\s+)?def (\w+)\(")
_SENTRY_FRAME = re.compile(r"^\s*(?P<path>\S+\.py) in (?P<func>[\w<>.]+) at line (?P<line>\d+)\s*$")
_SECTION = re.compile(
    r"^(?:_{3,} (?P<t1>.+?) _{3,}|={3,} (?P<t2>.+?) ={3,}|(?P<t3>(?:ERROR|FAIL): \w+ \(.+\)))\s*$"
)
_CARET = re.compile(r"^\s*[~^]+[~^\s]*$")
_ELISION = re.compile(
    r"^\s*(?:\.{3,}|…|<snip(?:ped)?>|\[\.\.\.\]|\(\.\.\.\)|\[Previous line repeated .*\]"
    r"|\.\.\. \d+ (?:more )?(?:lines?|frames?).*)\s*$",
    re.I,
)
_CHAIN = re.compile(
    r"During handling of the above exception, another exception occurred"
    r"|The above exception was the direct cause of the following exception",
)
_EXC_NAME = (
    r"(?:[A-Za-z_][\w]*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Failure)"
    r"|KeyError|StopIteration)"
)
_EXC = re.compile(r"^\s*(?P<type>" + _EXC_NAME + r")(?:\s*:\s?(?P<msg>.*))?$")
_EXC_REPR = re.compile(
    r"(?P<type>" + _EXC_NAME + r")\((?P<q>['\"])(?P<msg>.*?)(?:(?P=q)\s*,?\s*\)|$)"
)
_EXC_NOTYPE_PREFIXED = re.compile(r"^\s*(?:builtins\.)?(?P<type>" + _EXC_NAME + r")\s*$")


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


_STDLIB = re.compile(
    r"(?:^|/)lib(?:64)?/python[\d.]*t?/(?!site-packages|dist-packages)"
    r"|(?:^|/)python[\d.]*t?/lib/(?!site-packages)"
    r"|(?:^|/)python\d*\.framework/versions/[\d.]+/lib/"
    r"|(?:^|/)lib/(?:threading|asyncio/|concurrent/|multiprocessing/|importlib/|runpy|code|socketserver)"
)


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


_LOG_PREFIX = re.compile(
    r"^\s*(?:"
    r"\[\d{4}-\d\d-\d\d[ T][\d:,.]+(?:\s*[+-]\d{4})?(?::\s*\w+/[\w.-]+)?\]\s*"
    r"(?:\[\d+\]\s*)?(?:\[\w+\]\s*)?"
    r"|\d{4}-\d\d-\d\d[ T][\d:,.]+(?:Z|[+-]\d\d:?\d\d)?\s+(?:\[?\w+\]?\s+)?(?:[\w.]+:\s)?"
    r"|[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?:\s?"
    r"(?:\d\d:\d\d:\d\d [\w.]+\s+\|\s?)?"
    r"|[\w.-]+\s+\|\s(?=\s*(?:Traceback|File |[A-Z]\w*(?:Error|Exception)\b))"
    r"|\[\d{9,}\]\s"
    r"|(?:ERROR|CRITICAL|WARNING|INFO|DEBUG):[\w.]+:"
    r")"
)


class TracebackReader:
    """Push-style reader: feed it lines, get back the records each line completes.

    ``bare_messages`` matches error messages that people paste without the exception's type
    name; the caller decides which messages those are.
    """

    def __init__(self, bare_messages: Optional[re.Pattern] = None) -> None:
        self.bare_messages = bare_messages
        self.st = _State()
        self.recent: deque[str] = deque(maxlen=_CONTEXT_LINES)
        self.pending: Optional[Traceback] = None
        self.lineno = 0

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
        if tb.exc_type is None and not tb.message:
            if not tb.frames:
                return None
            tb.truncated = True
        return tb

    def _start(self, shape: str = "python") -> Traceback:
        tb = Traceback(start_line=self.lineno, end_line=self.lineno, shape=shape)
        tb.context = [c for c in self.recent if c.strip()]
        if self.st.section and self.st.section not in tb.context:
            tb.context.insert(0, self.st.section)
        self.st.tb = tb
        self.st.blank_run = 0
        return tb

    def _merged(self, done: list[Traceback]) -> list[Traceback]:
        out: list[Traceback] = []
        for tb in done:
            out.extend(_merge(self, tb))
        return out

    def close(self) -> list[Traceback]:
        """Finish the record in progress and return what is left."""
        out: list[Traceback] = []
        done = self._finish()
        if done is not None:
            out = self._merged([done])
        if self.pending is not None:
            out.append(self.pending)
            self.pending = None
        return out

    def feed(self, raw: str) -> list[Traceback]:
        """Read one line; return the records it completes (usually none)."""
        bare_messages = self.bare_messages
        self.lineno += 1
        lineno = self.lineno
        st = self.st
        recent = self.recent
        finish = self._finish
        start = self._start
        line = clean_line(raw)
        out: list[Traceback] = []

        body = line
        if st.prefix is not None:
            m = st.prefix.match(body)
            if m:
                body = body[m.end() :]
        header = _HEADER.search(body)
        if not header:
            body = _strip_known_prefix(body)
        stripped = body.strip()
        if stripped[:3] in ("___", "===", "ERR", "FAI"):
            sec = _SECTION.match(stripped)
            if sec:
                st.section = stripped

        frame_m = None if header else (_PY_FRAME.search(body) or _PY_FRAME_NOQUOTE.match(body))
        pytest_e = _PYTEST_E.match(stripped) if stripped.startswith("E") else None

        if header:
            prefix = body[: header.start()]
            chained = st.chained
            if st.tb is not None and not chained:
                done = finish()
                if done:
                    out.append(done)
            if chained and st.tb is not None:
                st.chained = False
                st.tb.end_line = lineno
            else:
                start()
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
        elif (
            st.tb is not None
            and st.expecting_code
            and stripped
            and not _CARET.match(body)
            and not (_EXC.match(stripped) and _looks_final(stripped))
        ):
            tb = st.tb
            last = tb.frames[-1]
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
        elif _PYTEST_SOURCE.match(body):
            st.pytest_source = body[1:].strip()
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
            if st.tb is not None:
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
            st.pytest_source = st.pytest_def = ""
            st.in_message = False
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
            tb.frames.append(Frame(m.group("path"), int(m.group("line")), m.group("func")))
            tb.end_line = lineno
            st.expecting_code = True
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
                tb.message = _unrepr(repr_m.group("msg"))
                tb.context = list(tb.context) + [stripped]
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
                if tb is None or (
                    tb.exc_type is not None and not (tb.shape == "sentry" and not tb.frames)
                ):
                    if tb is not None:
                        done = finish()
                        if done:
                            out.append(done)
                    tb = start()
                tb.exc_type = exc.group("type")
                tb.message = exc.group("msg") or ""
                tb.end_line = lineno
                st.in_message = True
                st.message_lines = 0
                st.expecting_code = False
                st.blank_run = 0
                if tb.shape == "python" and not tb.frames:
                    tb.shape = "message"
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
                    or st.message_lines >= _MAX_MESSAGE_LINES
                    or (_LOG_PREFIX.match(line) and not st.prefix)
                ):
                    done = finish()
                    if done:
                        out.append(done)
                else:
                    st.blank_run = 0
                    st.tb.message += ("\n" if not st.tb.message.endswith("\n") else "") + stripped
                    st.tb.end_line = lineno
                    st.message_lines += 1
            elif st.tb is not None and (not stripped or _ELISION.match(stripped)):
                st.expecting_code = False
                if not stripped and st.tb.exc_type is not None:
                    done = finish()
                    if done:
                        out.append(done)
            elif st.tb is not None and _PYTEST_DEF.match(body):
                st.pytest_def = _PYTEST_DEF.match(body).group(1)  # type: ignore[union-attr]
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
            if st.tb is None and stripped and not repr_m:
                recent.append(stripped)

        return self._merged(out)


def read_tracebacks(
    lines: Iterable[str], bare_messages: Optional[re.Pattern] = None
) -> Iterator[Traceback]:
    """Yield every exception found in ``lines``, in the order it appears.

    ``lines`` may be any iterable of text lines (a file object streams). Each record carries the
    1-based line numbers where it starts and ends.
    """
    reader = TracebackReader(bare_messages)
    for raw in lines:
        yield from reader.feed(raw)
    yield from reader.close()


def _looks_final(stripped: str) -> bool:
    """An exception line has a message or ends the name; guards against code lines like `Foo(x)`."""
    return not re.match(r"^[\w.]+\s*[(=\[]", stripped)


def _unrepr(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def _merge(reader: TracebackReader, tb: Traceback) -> list[Traceback]:
    """Fold a one-line report of an error into the traceback printed right after it.

    Worker logs (Celery, RQ, APScheduler, logging.exception) print the exception's repr or message
    on a log line and then the traceback: that is one occurrence, not two.
    """
    out: list[Traceback] = []
    pending = reader.pending
    reader.pending = None
    if pending is not None:
        if (
            not pending.frames
            and tb.frames
            and 0 <= tb.start_line - pending.end_line <= 3
            and _same_error(pending, tb)
        ):
            tb.context = pending.context + [c for c in tb.context if c not in pending.context]
            tb.start_line = pending.start_line
            if tb.exc_type is None and not tb.message:
                tb.exc_type, tb.message, tb.truncated = pending.exc_type, pending.message, False
        else:
            out.append(pending)
    if not tb.frames and tb.shape in ("repr", "message"):
        reader.pending = tb
    else:
        out.append(tb)
    return out


def _same_error(a: Traceback, b: Traceback) -> bool:
    if b.exc_type is None and not b.message:
        return True
    return _gist(a.message) == _gist(b.message)


def _gist(message: str) -> str:
    return re.sub(r"[^a-z]", "", message.lower())[:30]
