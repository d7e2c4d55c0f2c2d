import threading

from flask import Flask, request


def log_search():
    term = request.args.get("q", "")
    agent = request.headers.get("User-Agent", "unknown")
    print(f"search {term!r} from {agent}")


def create_app():
    app = Flask(__name__)

    @app.route("/search")
    def search():
        threading.Thread(target=log_search).start()
        return "3 results"

    return app
