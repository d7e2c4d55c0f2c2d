from flask import url_for

from shop import create_app

app = create_app({"TESTING": True})
CART_URL = url_for("cart")  # runs while pytest imports this module


def test_cart_page():
    response = app.test_client().get(CART_URL)
    assert response.status_code == 200
