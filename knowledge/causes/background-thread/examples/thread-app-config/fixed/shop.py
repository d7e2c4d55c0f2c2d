import threading

from flask import Flask, current_app, jsonify


def send_receipt(app, order_id):
    with app.app_context():
        # ctxfix: verify

        sender = current_app.config["MAIL_SENDER"]
        print(f"receipt for order {order_id} sent from {sender}")


def create_app():
    app = Flask(__name__)
    app.config["MAIL_SENDER"] = "shop@example.com"

    @app.route("/orders", methods=["POST"])
    def create_order():
        order_id = 17
        real_app = current_app._get_current_object()  # the app itself, not the proxy
        threading.Thread(target=send_receipt, args=(real_app, order_id)).start()
        return jsonify(id=order_id), 201

    return app
