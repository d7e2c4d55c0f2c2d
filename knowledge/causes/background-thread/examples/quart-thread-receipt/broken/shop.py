import threading

from quart import Quart, current_app


def send_receipt(order_id):
    sender = current_app.config["MAIL_SENDER"]
    print(f"receipt for order {order_id} sent from {sender}")


def create_app():
    app = Quart(__name__)
    app.config["MAIL_SENDER"] = "shop@example.com"

    @app.post("/orders/<int:order_id>/pay")
    async def pay(order_id):
        threading.Thread(target=send_receipt, args=(order_id,)).start()
        return {"paid": order_id}

    return app
