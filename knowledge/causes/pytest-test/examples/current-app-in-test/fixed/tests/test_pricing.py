from flask import has_app_context

from shop.pricing import price_with_tax


def test_price_with_tax(app):
    # ctxfix verify snippet, where the error was:
    assert has_app_context(), "this test or fixture runs without an application context"
    print("ctxfix verify: ok")

    assert price_with_tax(100) == 125.0
