import os

from flask import current_app


def upload_folder():
    # Read the setting when an upload is saved (inside a request), not when Python imports us.
    return current_app.config["UPLOAD_FOLDER"]


def save_upload(item_id, data):
    # ctxfix: verify
    folder = upload_folder()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"item-{item_id}.jpg")
    with open(path, "wb") as fh:
        fh.write(data)
    return path
