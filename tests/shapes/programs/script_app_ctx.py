"""A script that reads the app's config at the top level, with no app context."""

from flask import Flask, current_app

app = Flask(__name__)
app.config["GREETING"] = "hello"


def greeting():
    return current_app.config["GREETING"]


print(greeting())
