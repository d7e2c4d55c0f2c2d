from flask import has_request_context, url_for


def test_reset_link(client):
    # `client` depends on `app`, so pytest-flask pushes a test request context.
    assert has_request_context(), "pytest-flask pushed no request context"
    # ctxfix: verify

    link = url_for("reset_password", token="abc")
    assert link == "/reset/abc"
    assert client.get(link).status_code == 200
