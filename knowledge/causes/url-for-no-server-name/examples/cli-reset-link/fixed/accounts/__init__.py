from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config.update(PUBLIC_URL="https://accounts.example.com")

    @app.route("/reset/<token>")
    def reset_password(token):
        return f"reset form for {token}"

    return app
