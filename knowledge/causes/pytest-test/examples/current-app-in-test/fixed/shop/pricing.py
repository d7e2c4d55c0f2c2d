from flask import current_app


def price_with_tax(net):
    # ctxfix: verify
    rate = current_app.config["TAX_RATE"]
    return round(net * (1 + rate), 2)
