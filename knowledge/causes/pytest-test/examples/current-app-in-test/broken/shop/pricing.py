from flask import current_app


def price_with_tax(net):
    rate = current_app.config["TAX_RATE"]
    return round(net * (1 + rate), 2)
