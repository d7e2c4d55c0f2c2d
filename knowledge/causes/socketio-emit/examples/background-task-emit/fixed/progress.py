import time

from flask import Flask, request
from flask_socketio import SocketIO

socketio = SocketIO()


def crunch(app, sid, steps):
    with app.app_context():
        for done in range(1, steps + 1):
            time.sleep(app.config["STEP_SECONDS"])
            # ctxfix: verify
            # the server's method, told which client to answer
            socketio.emit("progress", {"done": done, "of": steps}, to=sid)


def create_app():
    app = Flask(__name__)
    app.config["STEP_SECONDS"] = 0.01
    socketio.init_app(app, async_mode="threading")

    @socketio.on("start")
    def start(data):
        # the client's sid is known while its event is handled: pass it to the task
        socketio.start_background_task(crunch, app, request.sid, data["steps"])

    return app
