from flask import has_app_context, has_request_context, url_for


def test_reset_link(client):
    # `client` depends on `app`, so pytest-flask pushes a test request context.
    assert has_request_context(), "pytest-flask pushed no request context"
    # ctxfix verify snippet, where the error was:
    assert has_app_context(), "this test or fixture runs without an application context"
    print("ctxfix verify: ok")

    link = url_for("reset_password", token="abc")
    assert link == "/reset/abc"
    assert client.get(link).status_code == 200
