from flask import Flask


def create_app():
    app = Flask(__name__)
    from catalog.export import export

    app.register_blueprint(export)
    return app
