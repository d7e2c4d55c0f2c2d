"""Catalog endpoints. The price feed is pulled in the background."""

import threading

from flask import Flask, current_app, jsonify


class PriceFeedSync(threading.Thread):
    """Pulls the supplier's price feed once."""

    retries = 3

    def run(self):
        feed = current_app.config["PRICE_FEED_URL"]
        print(f"syncing prices from {feed} ({self.retries} retries)")


def create_app():
    app = Flask(__name__)
    app.config["PRICE_FEED_URL"] = "https://supplier.example/prices.csv"

    @app.post("/catalog/refresh")
    def refresh():
        PriceFeedSync(daemon=True).start()
        return jsonify(status="refreshing"), 202

    return app
