from flask import Flask, Response, request, stream_with_context

app = Flask(__name__)

ORDERS = [(1, "ada", "paid"), (2, "grace", "open"), (3, "linus", "paid")]


@app.route("/orders.csv")
def export_orders():
    def rows():
        yield "id,customer,status\n"
        # ctxfix: verify

        status = request.args.get("status")
        for order_id, customer, state in ORDERS:
            if status is None or state == status:
                yield f"{order_id},{customer},{state}\n"

    return Response(stream_with_context(rows()), mimetype="text/csv")
