"""Rendering an email body from a cron script, with no app context."""

from flask import Flask, render_template_string

app = Flask(__name__)


def email_body(name):
    return render_template_string("Hello {{ name }}", name=name)


if __name__ == "__main__":
    print(email_body("Ada"))
