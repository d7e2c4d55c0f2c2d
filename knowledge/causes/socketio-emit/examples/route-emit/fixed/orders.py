from flask import Flask, jsonify, request
from flask_socketio import SocketIO

socketio = SocketIO()


def create_app():
    app = Flask(__name__)
    socketio.init_app(app, async_mode="threading")

    @app.post("/orders")
    def place_order():
        order = {"id": 42, "item": request.json["item"]}
        # ctxfix: verify
        socketio.emit("new-order", order)  # the server's method: no Socket.IO event needed
        return jsonify(order), 201

    return app
