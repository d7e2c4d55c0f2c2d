"""A helper written for views, called from a plain function with no request."""

from flask import Flask, request

app = Flask(__name__)


def current_page():
    return int(request.args.get("page", 1))


def report():
    with app.app_context():
        return current_page()


print(report())
