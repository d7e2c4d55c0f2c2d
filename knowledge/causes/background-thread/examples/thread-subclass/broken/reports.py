import threading

from flask import Flask, current_app, jsonify


class ReportExport(threading.Thread):
    def __init__(self, name):
        super().__init__()
        self.report = name

    def run(self):
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
