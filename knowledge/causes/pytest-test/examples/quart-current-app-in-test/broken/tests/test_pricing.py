from pricing import create_app, price_with_vat


def test_price_with_vat():
    create_app()
    assert price_with_vat(100) == 120.0
