from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config.update(PUBLIC_URL="https://club.example.com/")

    @app.route("/events")
    def events():
        return "upcoming events"

    return app
