"""Error trackers' frame lines (``path in function at line N``). Written for these tests."""

from __future__ import annotations


def test_message_first_then_frames_is_one_record(read):
    r = read(
        """
        RuntimeError: Working outside of application context.
          shop/mail.py in send_receipt at line 12
            sender = current_app.config["MAIL_SENDER"]
          werkzeug/local.py in _get_current_object at line 519
            raise RuntimeError(unbound_message) from None
        """
    )
    tb = r.one
    assert r.shape_of(2) == "sentry-frame"
    assert r.shape_of(4) == "sentry-frame"
    assert [f.function for f in tb.frames] == ["send_receipt", "_get_current_object"]
    assert tb.frames[0].code == 'sender = current_app.config["MAIL_SENDER"]'
