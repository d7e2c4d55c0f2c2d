from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["PAGE_SIZE"] = 5
    with app.app_context():
        from . import views  # noqa: F401  (views read the config while they are imported)
    return app
