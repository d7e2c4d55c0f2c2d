from flask import Flask


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(config or {})

    @app.route("/reset/<token>")
    def reset_password(token):
        return f"reset form for {token}"

    return app
