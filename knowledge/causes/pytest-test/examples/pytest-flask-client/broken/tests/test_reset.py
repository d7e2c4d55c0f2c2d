from flask import url_for


def test_reset_link():
    # Asks for no fixture, so pytest-flask pushes no context for this test.
    assert url_for("reset_password", token="abc") == "/reset/abc"
