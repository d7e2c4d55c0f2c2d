from flask import Blueprint, Response, request

export = Blueprint("export", __name__)

PRODUCTS = [("mug", 9), ("teapot", 35), ("tea", 6)]


def generate_csv():
    limit = request.args.get("max_price", 100, type=int)
    yield "name,price\n"
    for name, price in PRODUCTS:
        if price <= limit:
            yield f"{name},{price}\n"


@export.route("/products.csv")
def products_csv():
    return Response(generate_csv(), mimetype="text/csv")
