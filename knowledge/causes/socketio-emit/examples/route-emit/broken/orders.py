from flask import Flask, jsonify, request
from flask_socketio import SocketIO, emit

socketio = SocketIO()


def create_app():
    app = Flask(__name__)
    socketio.init_app(app, async_mode="threading")

    @app.post("/orders")
    def place_order():
        order = {"id": 42, "item": request.json["item"]}
        emit("new-order", order, broadcast=True)
        return jsonify(order), 201

    return app
