from functools import lru_cache

from flask import current_app


@lru_cache(maxsize=None)
def worker_app():
    from app import create_app  # imported here to avoid an import cycle

    return create_app()  # built once per worker process, on the first job


def send_welcome_email(user_id):
    with worker_app().app_context():
        # ctxfix: verify

        sender = current_app.config["MAIL_DEFAULT_SENDER"]
        return f"welcome mail for user {user_id} sent from {sender}"
