from celery import shared_task
from flask import current_app, has_app_context


@shared_task
def send_welcome_email(user_id):
    assert has_app_context(), "this task runs without an application context"
    print("ctxfix: task runs in app", current_app.name)
    print("ctxfix verify: ok")

    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return f"welcome mail for user {user_id} sent from {sender}"
