# Shows: Flask's own app-context message in a threading.Thread that a view started; the thread
#   reads current_app.config. Python prints "Exception in thread ...".
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4
# Expect: app-context background-thread app-data
# Prints: working outside of application context
# Run: python {file}
from __future__ import print_function

import threading

from flask import Flask, current_app

app = Flask(__name__)
app.config["MAIL_SENDER"] = "shop@example.com"


def send_receipt(order_id):
    sender = current_app.config["MAIL_SENDER"]
    print("receipt for order", order_id, "from", sender)


@app.route("/orders", methods=["POST"])
def create_order():
    worker = threading.Thread(target=send_receipt, args=(17,))
    worker.start()
    worker.join()
    return "created", 201


print(app.test_client().post("/orders").status_code)
