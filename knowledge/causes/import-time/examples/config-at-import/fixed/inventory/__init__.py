import os

from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = os.path.join(os.getcwd(), "uploads")

    from inventory.views import bp

    app.register_blueprint(bp)
    return app
