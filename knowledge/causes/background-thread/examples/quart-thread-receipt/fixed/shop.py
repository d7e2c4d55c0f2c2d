from quart import Quart, current_app


def send_receipt(order_id):
    # ctxfix: verify
    sender = current_app.config["MAIL_SENDER"]
    print(f"receipt for order {order_id} sent from {sender}")


def create_app():
    app = Quart(__name__)
    app.config["MAIL_SENDER"] = "shop@example.com"

    @app.post("/orders/<int:order_id>/pay")
    async def pay(order_id):
        # runs after the response, in an app context; shutdown waits for it
        current_app.add_background_task(send_receipt, order_id)
        return {"paid": order_id}

    return app
