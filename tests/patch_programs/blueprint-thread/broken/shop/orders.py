"""Order endpoints. Warehouse notifications go out in the background."""

import logging
import threading

from flask import Blueprint, current_app, jsonify, request

orders = Blueprint("orders", __name__)
log = logging.getLogger(__name__)


def notify_warehouse(order_id, items):
    queue = current_app.config["WAREHOUSE_QUEUE"]
    print(f"order {order_id}: {len(items)} item(s) queued on {queue}")


@orders.post("/orders")
def place_order():
    payload = request.get_json()
    order_id = 1001
    worker = threading.Thread(
        target=notify_warehouse,
        args=(order_id, payload["items"]),
        daemon=True,
    )
    worker.start()
    return jsonify(id=order_id), 201
