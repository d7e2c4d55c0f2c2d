from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["CURRENCY"] = "EUR"
    app.config["VAT_RATE"] = 0.2
    return app
