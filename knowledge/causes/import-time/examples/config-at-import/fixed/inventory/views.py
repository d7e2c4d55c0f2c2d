import os

from flask import Blueprint, request

from inventory.storage import save_upload

bp = Blueprint("items", __name__)


@bp.route("/items/<int:item_id>/photo", methods=["POST"])
def upload_photo(item_id):
    path = save_upload(item_id, request.get_data())
    return {"saved": os.path.basename(path)}
