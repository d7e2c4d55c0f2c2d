from celery import shared_task
from flask import current_app


@shared_task
def send_welcome_email(user_id):
    # ctxfix: verify

    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return f"welcome mail for user {user_id} sent from {sender}"
