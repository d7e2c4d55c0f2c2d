import pytest
from flask import has_app_context, url_for

from shop import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def cart_url(app):
    # Built in a fixture, at test time, inside a test request context.
    with app.test_request_context():
        # ctxfix verify snippet, where the error was:
        assert has_app_context(), "this test or fixture runs without an application context"
        print("ctxfix verify: ok")

        return url_for("cart")


def test_cart_page(app, cart_url):
    response = app.test_client().get(cart_url)
    assert response.status_code == 200
