"""Exception lines, their messages, reprs and bare messages. Written for these tests; the
wordings are Flask's and Flask-SQLAlchemy's (knowledge/families.yaml names the sources)."""

from __future__ import annotations


def test_a_message_goes_on_over_its_explanation_and_stops_at_a_log_line(read):
    r = read(
        """
        RuntimeError: Working outside of application context.

        This typically means that you attempted to use functionality that needed
        the current application. To solve this, set up an application context
        with app.app_context(). See the documentation for more information.
        [2026-01-01 10:00:00,000] INFO in app: next request
        """
    )
    tb = r.one
    assert r.shape_of(1) == "message"
    assert "set up an application context" in tb.message
    assert "next request" not in tb.message


def test_only_the_explanation_is_a_bare_message(read):
    tb = read(
        """
        This typically means that you attempted to use functionality that needed
        to interface with the current application object in some way. To solve
        this, set up an application context with app.app_context().  See the
        documentation for more information.
        """
    ).one
    assert tb.exc_type is None and tb.shape == "message"
    assert "current application object" in tb.message


def test_a_worker_log_line_with_a_repr(read):
    tb = read(
        "[2026-01-01 10:00:00,000: ERROR/ForkPoolWorker-1] Task shop.tasks.mail[1] raised "
        "unexpected: RuntimeError('Working outside of application context.')"
    ).one
    assert tb.shape == "repr" and tb.exc_type == "RuntimeError"
    assert tb.message == "Working outside of application context."


def test_a_repr_written_over_several_lines_is_one_message(read):
    r = read(
        """
        RuntimeError('This decorator can only be used at local scopes '
                     'when a request context is on the stack.  For instance within '
                     'view functions.')
        """
    )
    tb = r.one
    assert r.shape_of(2) == "repr-continued" and r.shape_of(3) == "repr-continued"
    assert tb.message == (
        "This decorator can only be used at local scopes when a request context is on the "
        "stack.  For instance within view functions."
    )


def test_a_repr_whose_string_stops_early_ends_at_the_next_line_that_is_no_string(read):
    r = read("RuntimeError('No application found. '\nsomething else entirely")
    assert r.records[0].message == "No application found. "


def test_a_message_under_a_log_collectors_prefix_goes_on_over_its_prefixed_lines(read):
    tb = read(
        """
        web_1  | RuntimeError: Working outside of application context.
        web_1  |
        web_1  | This typically means that you attempted to use functionality that needed
        web_1  | the current application. To solve this, set up an application context
        web_1  | with app.app_context(). See the documentation for more information.
        """
    ).one
    assert tb.exc_type == "RuntimeError"
    assert "set up an application context" in tb.message


def test_a_time_stamp_prefix_keeps_the_exception_name_and_the_frame_keyword(read):
    tb = read(
        """
        2026-01-01T10:00:00.123456Z Traceback (most recent call last):
        2026-01-01T10:00:00.123456Z   File "/srv/shop/mail.py", line 12, in send_receipt
        2026-01-01T10:00:00.123456Z     sender = current_app.config["MAIL_SENDER"]
        2026-01-01T10:00:00.123456Z RuntimeError: Working outside of application context.
        """
    ).one
    assert tb.exc_type == "RuntimeError" and tb.frames[0].function == "send_receipt"


def test_a_quoted_indented_exception_line_is_no_pytest_source_line(read):
    r = read(">     RuntimeError: Working outside of application context.")
    assert r.shape_of(1) == "message" and r.one.exc_type == "RuntimeError"


def test_under_frames_an_exception_of_any_class_name_ends_the_traceback(read):
    r = read(
        """
        Traceback (most recent call last):
          File "tests/test_weird.py", line 6, in test_it
            raise Unprintable()
        Unprintable: <exception str() failed>
        """
    )
    assert r.shape_of(4) == "message"
    assert r.one.exc_type == "Unprintable" and not r.one.truncated
