"""loguru's annotated tracebacks. Written for these tests after what loguru 0.7.3's
``logger.catch`` prints for a program of ours (a thread mailing a receipt), in the box-drawing
form and in the ASCII form it falls back to when the output's encoding lacks those characters."""

from __future__ import annotations

BOXED = """
2026-01-01 10:00:00.000 | ERROR    | threading:run:982 - An error has been caught in function 'run', process 'MainProcess' (100), thread 'Thread-1 (send_receipt)' (200):
Traceback (most recent call last):

  File "/usr/lib/python3.11/threading.py", line 1045, in _bootstrap_inner
    self.run()
    │    └ <function Thread.run at 0x7f0000000000>
    └ <Thread(Thread-1 (send_receipt), started 200)>
> File "/usr/lib/python3.11/threading.py", line 982, in run
    self._target(*self._args, **self._kwargs)
    │    │        │    │        │    └ {}
    │    │        │    │        └ <Thread(Thread-1 (send_receipt), started 200)>
    │    │        │    └ (17,)
    │    │        └ <Thread(Thread-1 (send_receipt), started 200)>
    │    └ <function send_receipt at 0x7f0000000001>
    └ <Thread(Thread-1 (send_receipt), started 200)>

  File "/srv/shop/mail.py", line 8, in send_receipt
    sender = current_app.config["MAIL_SENDER"]
             └ <LocalProxy unbound>

  File "/srv/venv/lib/python3.11/site-packages/werkzeug/local.py", line 519, in _get_current_object
    raise RuntimeError(unbound_message) from None

RuntimeError: Working outside of application context.
"""


def test_value_lines_stay_inside_the_frame_they_annotate(read):
    r = read(BOXED)
    tb = r.one
    assert [f.function for f in tb.frames] == [
        "_bootstrap_inner",
        "run",
        "send_receipt",
        "_get_current_object",
    ]
    assert tb.frames[2].code == 'sender = current_app.config["MAIL_SENDER"]'
    assert r.shape_of(6) == "loguru-value" and r.shape_of(15) == "loguru-value"


def test_the_ascii_form_reads_the_same(read):
    ascii_form = BOXED.replace("\u2502", "|").replace("\u2514", "->")
    tb = read(ascii_form).one
    assert [f.function for f in tb.frames][-2:] == ["send_receipt", "_get_current_object"]
    assert tb.exc_type == "RuntimeError"
