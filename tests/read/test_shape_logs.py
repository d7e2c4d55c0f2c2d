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
