import time

from flask import Flask
from flask_socketio import SocketIO, emit

socketio = SocketIO()


def crunch(app, steps):
    with app.app_context():  # an app context, yet emit() still fails: it needs the event
        for done in range(1, steps + 1):
            time.sleep(app.config["STEP_SECONDS"])
            emit("progress", {"done": done, "of": steps})


def create_app():
    app = Flask(__name__)
    app.config["STEP_SECONDS"] = 0.01
    socketio.init_app(app, async_mode="threading")

    @socketio.on("start")
    def start(data):
        socketio.start_background_task(crunch, app, data["steps"])

    return app
