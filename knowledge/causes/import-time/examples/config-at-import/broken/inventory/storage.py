import os

from flask import current_app

UPLOAD_FOLDER = current_app.config["UPLOAD_FOLDER"]


def save_upload(item_id, data):
    os.makedirs(UPLOAD_FOLDER, exist_ok=True)
    path = os.path.join(UPLOAD_FOLDER, f"item-{item_id}.jpg")
    with open(path, "wb") as fh:
        fh.write(data)
    return path
