"""Which error family a traceback belongs to: its message's wording, a symptom, and for a paste
that ends before its error line, the lookup frames it ends in (the signs of families.yaml, matched
by :mod:`ctxfix.engine.families`), else a guess from its frames."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from ctxfix.engine._text import clip as _clip
from ctxfix.engine.families import finder
from ctxfix.engine.frames import (
    _REQUEST_PROXIES,
    _innermost_user,
    _looked_up,
    _proxy_in_code,
)
from ctxfix.read import Frame, Traceback, TracebackReader

if TYPE_CHECKING:
    from ctxfix.knowledge import KnowledgeBase

__all__ = ["bare_messages", "detect_family", "family_from_cut", "family_from_frames"]


_STANDARD_FIRST_LINES = (
    "working outside of application context.",
    "working outside of request context.",
)


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
        family = family_from_frames(tb, kb)
        return family, [
            f"the message is cut off (“{_clip(text)}”); the frames point to a {family} error"
        ]
    lead = found.of_lead(text)
    if lead is not None:
        # Only the explanation's first line, shared by the app and request messages.
        family = family_from_frames(tb, kb) if tb.frames else lead[0]
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


def family_from_frames(tb: Traceback, kb: KnowledgeBase) -> Optional[str]:
    """Guess the family of a traceback cut off before its exception line."""
    frames = tb.all_frames()
    user = _innermost_user(frames)
    cut = family_from_cut(tb, kb, user)
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


def family_from_cut(
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
