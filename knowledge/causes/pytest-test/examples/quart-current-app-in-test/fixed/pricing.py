from quart import Quart, current_app


def create_app():
    app = Quart(__name__)
    app.config["VAT"] = 0.2
    return app


def price_with_vat(net):
    # ctxfix: verify
    return round(net * (1 + current_app.config["VAT"]), 2)
