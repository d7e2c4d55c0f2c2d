"""loguru's annotated tracebacks (``logger.catch``, ``logger.exception`` with ``diagnose=True``,
its default): under each frame's source line, one line per variable with its value::

      File "/srv/shop/mail.py", line 8, in send_receipt
        sender = current_app.config["MAIL_SENDER"]
                 └ <LocalProxy unbound>

The lines are drawn with ``│`` and ``└`` (``|`` and ``->`` where the output's encoding lacks
them): ``ExceptionFormatter._pipe_char``/``_cap_char`` in loguru/_better_exceptions.py, 0.4 to
0.7. They belong to the frame above them; read as noise, six of them ended the traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxfix.read.clean import Lazy

if TYPE_CHECKING:
    from ctxfix.read.reader import Line, TracebackReader

_VALUE = Lazy("^\\s*(?:[\u2502|] *)*(?:\u2514|->) ")


def value_line(r: TracebackReader, ln: Line) -> bool:
    """A variable's value under a frame's source line."""
    tb = r.st.tb
    if tb is None or not tb.frames or tb.exc_type is not None:
        return False
    stripped = ln.stripped
    if stripped[:1] not in ("\u2502", "\u2514", "|", "-") or not _VALUE.match(ln.body):
        return False
    r.st.expecting_code = False
    return True
