"""Building a link for an email outside a request, without SERVER_NAME."""

from flask import Flask, url_for

app = Flask(__name__)


@app.route("/confirm/<token>")
def confirm(token):
    return token


def confirm_link(token):
    return url_for("confirm", token=token, _external=True)


with app.app_context():
    print(confirm_link("abc"))
