from flask import Flask

from reports.extensions import socketio


def create_app():
    app = Flask(__name__)
    app.config["EXPORT_CHUNK_ROWS"] = 500
    socketio.init_app(app, async_mode="threading")

    from reports import events  # noqa: F401  (registers the Socket.IO handlers)

    return app
