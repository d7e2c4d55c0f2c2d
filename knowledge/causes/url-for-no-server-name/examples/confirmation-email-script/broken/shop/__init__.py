from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "shop"

    @app.route("/confirm/<token>")
    def confirm_email(token):
        return f"confirmed {token}"

    return app
