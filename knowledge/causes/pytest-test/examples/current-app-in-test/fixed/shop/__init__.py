from flask import Flask


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(TAX_RATE=0.2)
    app.config.update(config or {})

    @app.route("/")
    def index():
        return "shop"

    return app
