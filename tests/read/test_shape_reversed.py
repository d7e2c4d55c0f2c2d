"""Tracebacks printed newest line first (log viewers that sort descending). Written for these
tests; tests/test_shapes_transformed.py reverses every captured traceback as well."""

from __future__ import annotations


def test_a_reversed_paste_reads_as_the_traceback_it_was(read):
    tb = read(
        """
        RuntimeError: Working outside of application context.
            sender = current_app.config["MAIL_SENDER"]
          File "/srv/shop/mail.py", line 12, in send_receipt
            send_receipt(order)
          File "/srv/shop/jobs.py", line 30, in run
        Traceback (most recent call last):
        """
    ).one
    assert [f.function for f in tb.frames] == ["run", "send_receipt"]
    assert tb.frames[1].code == 'sender = current_app.config["MAIL_SENDER"]'


def test_a_reversed_paste_that_starts_with_the_explanation(read):
    tb = read(
        """
        with app.app_context(). See the documentation for more information.
        the current application. To solve this, set up an application context
        This typically means that you attempted to use functionality that needed

        RuntimeError: Working outside of application context.
            sender = current_app.config["MAIL_SENDER"]
          File "/srv/shop/mail.py", line 12, in send_receipt
        Traceback (most recent call last):
        """
    ).one
    assert tb.exc_type == "RuntimeError" and tb.frames[0].function == "send_receipt"
