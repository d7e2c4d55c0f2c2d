from shop import create_app
from shop.pricing import price_with_tax


def test_price_with_tax():
    create_app({"TESTING": True, "TAX_RATE": 0.25})
    assert price_with_tax(100) == 125.0
