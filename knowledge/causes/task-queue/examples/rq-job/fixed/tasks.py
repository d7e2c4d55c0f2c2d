from flask import current_app, has_app_context

from app import create_app

app = create_app()  # once per worker process, when RQ imports this module


def send_welcome_email(user_id):
    with app.app_context():
        if not has_app_context():
            raise RuntimeError("ctxfix verify: this job runs without an application context")
        print("ctxfix: job runs in app", current_app.name)
        print("ctxfix verify: ok")

        sender = current_app.config["MAIL_DEFAULT_SENDER"]
        return f"welcome mail for user {user_id} sent from {sender}"
