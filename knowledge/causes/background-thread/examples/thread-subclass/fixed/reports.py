import threading

from flask import Flask, current_app, jsonify


class ReportExport(threading.Thread):
    def __init__(self, name):
        super().__init__()
        self.report = name
        # __init__ runs in the view, where current_app works: keep the real app, not the proxy
        self.app = current_app._get_current_object()

    def run(self):
        with self.app.app_context():
            # ctxfix: verify

            folder = current_app.config["EXPORT_FOLDER"]
            print(f"report {self.report} exported to {folder}")


def create_app():
    app = Flask(__name__)
    app.config["EXPORT_FOLDER"] = "exports"

    @app.route("/reports/<name>", methods=["POST"])
    def export_report(name):
        ReportExport(name).start()
        return jsonify(report=name), 202

    return app
