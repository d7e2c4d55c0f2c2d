from flask import Flask, current_app


def monthly_total(amounts):
    return round(sum(amounts) * (1 + current_app.config["VAT"]), 2)


def create_app():
    app = Flask(__name__)
    app.config["VAT"] = 0.2
    return app
