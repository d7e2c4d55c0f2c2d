import threading

from flask import Flask, current_app


def rebuild_index(app):
    with app.app_context():
        # ctxfix: verify

        folder = app.config["SEARCH_INDEX_DIR"]
        print(f"rebuilding the search index in {folder}")


def create_app():
    app = Flask(__name__)
    app.config["SEARCH_INDEX_DIR"] = "/tmp/search-index"

    @app.route("/admin/reindex", methods=["POST"])
    def reindex():
        real_app = current_app._get_current_object()  # the app itself, not the proxy
        threading.Thread(target=rebuild_index, args=(real_app,)).start()
        return "reindex started", 202

    return app
