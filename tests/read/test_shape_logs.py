"""Log viewers' own lines inside a traceback (a time stamp or the program's name on a line of
its own). Written for these tests, after what CloudWatch-style and journal viewers show."""

from __future__ import annotations


def test_time_stamps_on_their_own_lines_stay_out_of_the_record(read):
    r = read(
        """
        Traceback (most recent call last):
        2026-01-01 10:00:00
          File "/srv/shop/mail.py", line 12, in send_receipt
        2026-01-01 10:00:00
            sender = current_app.config["MAIL_SENDER"]
        RuntimeError: Working outside of application context.
        """
    )
    tb = r.one
    assert r.shape_of(2) == "log-viewer" and r.shape_of(4) == "log-viewer"
    assert tb.frames[0].code == 'sender = current_app.config["MAIL_SENDER"]'


# Written for these tests: what a log collector (GitHub Actions, `docker logs -t`) prints when it
# stamps every line of a program's output, continuation lines and blank lines included.
_EXPLANATION = [
    "RuntimeError: Working outside of application context.",
    "",
    "This typically means that you attempted to use functionality that needed",
    "the current application. To solve this, set up an application context",
    "with app.app_context(). See the documentation for more information.",
]


def _stamped(lines: list[str]) -> str:
    return "\n".join(f"2026-01-01T10:00:{i:02d}.1234567Z {line}" for i, line in enumerate(lines))


def test_a_backtick_before_the_header_is_no_part_of_the_collector_prefix(read):
    """A Markdown code span opened right before `Traceback`: the prefix learnt at the header
    must not demand the backtick on the lines that follow."""
    r = read(
        _stamped(
            [
                "`Traceback (most recent call last):",
                '  File "/srv/shop/mail.py", line 12, in send_receipt',
                '    sender = current_app.config["MAIL_SENDER"]',
                *_EXPLANATION[:-1],
                _EXPLANATION[-1] + "`",
            ]
        )
    )
    tb = r.one
    assert tb.message.startswith("Working outside of application context.")
    assert "This typically means" in tb.message


def test_a_stamped_message_under_frames_without_a_header_goes_on_over_its_lines(read):
    """A paste that starts at the frames (no header to learn the prefix from): the exception
    line teaches it, so Flask's explanation stays in the same record."""
    r = read(
        _stamped(
            [
                'File "/srv/shop/mail.py", line 12, in send_receipt',
                '  sender = current_app.config["MAIL_SENDER"]',
                *_EXPLANATION,
            ]
        )
    )
    assert "with app.app_context()" in r.one.message
