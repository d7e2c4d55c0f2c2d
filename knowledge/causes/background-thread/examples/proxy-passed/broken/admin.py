import threading

from flask import Flask, current_app


def rebuild_index(app):
    with app.app_context():
        folder = app.config["SEARCH_INDEX_DIR"]
        print(f"rebuilding the search index in {folder}")


def create_app():
    app = Flask(__name__)
    app.config["SEARCH_INDEX_DIR"] = "/tmp/search-index"

    @app.route("/admin/reindex", methods=["POST"])
    def reindex():
        threading.Thread(target=rebuild_index, args=(current_app,)).start()
        return "reindex started", 202

    return app
