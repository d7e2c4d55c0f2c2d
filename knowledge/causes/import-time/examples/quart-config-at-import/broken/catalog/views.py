from quart import Blueprint, request

from catalog.paging import page_of

bp = Blueprint("products", __name__)
PRODUCTS = ["teapot", "kettle", "mug", "saucer", "spoon"]


@bp.route("/products")
async def products():
    page = int(request.args.get("page", 1))
    return {"products": page_of(PRODUCTS, page)}
