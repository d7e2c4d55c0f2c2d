import threading

from flask import Flask, copy_current_request_context, request


def create_app():
    app = Flask(__name__)

    @app.route("/search")
    def search():
        @copy_current_request_context  # must be applied while the request is active
        def log_search():
            # ctxfix: verify

            term = request.args.get("q", "")
            agent = request.headers.get("User-Agent", "unknown")
            print(f"search {term!r} from {agent}")

        threading.Thread(target=log_search).start()
        return "3 results"

    return app
