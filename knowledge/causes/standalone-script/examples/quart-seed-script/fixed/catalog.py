from quart import Quart, current_app


def create_app():
    app = Quart(__name__)
    app.config["DEFAULT_CURRENCY"] = "EUR"
    return app


async def seed_products(names):
    # ctxfix: verify
    currency = current_app.config["DEFAULT_CURRENCY"]
    return [{"name": name, "currency": currency} for name in names]
