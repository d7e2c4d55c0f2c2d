from flask import Flask


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(MAIL_SENDER="noreply@example.com")
    app.config.update(config or {})
    return app


def welcome_message(sender, to):
    return {"from": sender, "to": to, "subject": "Welcome!"}
