from flask import Flask, Response, request

app = Flask(__name__)

ORDERS = [(1, "ada", "paid"), (2, "grace", "open"), (3, "linus", "paid")]


@app.route("/orders.csv")
def export_orders():
    def rows():
        yield "id,customer,status\n"
        status = request.args.get("status")  # runs after the view has returned
        for order_id, customer, state in ORDERS:
            if status is None or state == status:
                yield f"{order_id},{customer},{state}\n"

    return Response(rows(), mimetype="text/csv")
