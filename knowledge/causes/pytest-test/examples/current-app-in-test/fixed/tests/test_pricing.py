from shop.pricing import price_with_tax


def test_price_with_tax(app):
    assert price_with_tax(100) == 125.0
