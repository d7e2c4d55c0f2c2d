"""A link cache that builds the link when it misses, in an app context with no SERVER_NAME."""

from flask import Flask, url_for

app = Flask(__name__)
_links = {}


@app.route("/unsubscribe/<int:user_id>")
def unsubscribe(user_id):
    return str(user_id)


def unsubscribe_link(user_id):
    try:
        return _links[user_id]
    except KeyError:
        return url_for("unsubscribe", user_id=user_id, _external=True)


with app.app_context():
    print(unsubscribe_link(7))
