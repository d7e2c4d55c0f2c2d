"""A view-less app that sends mail from a background thread, which has no app context."""

import threading

from flask import Flask, current_app

app = Flask(__name__)
app.config["MAIL_SENDER"] = "noreply@example.com"


def send_mail(to):
    sender = current_app.config["MAIL_SENDER"]
    print(f"mail from {sender} to {to}")


t = threading.Thread(target=send_mail, args=("a@example.com",))
t.start()
t.join()
