import pytest
from flask import url_for

from shop import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def cart_url(app):
    # Built in a fixture, at test time, inside a test request context.
    with app.test_request_context():
        # ctxfix: verify

        return url_for("cart")


def test_cart_page(app, cart_url):
    response = app.test_client().get(cart_url)
    assert response.status_code == 200
