from flask import Flask


def create_app(config=None):
    app = Flask(__name__)
    app.config.from_mapping(WAREHOUSE_QUEUE="orders-eu")
    app.config.update(config or {})

    from shop.orders import orders

    app.register_blueprint(orders, url_prefix="/api")
    return app
