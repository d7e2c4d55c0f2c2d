import os

from flask import Flask, jsonify
from redis import Redis
from rq import Queue


def create_app():
    app = Flask(__name__)
    app.config["MAIL_DEFAULT_SENDER"] = "noreply@example.com"
    app.config["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    queue = Queue("emails", connection=Redis.from_url(app.config["REDIS_URL"]))

    @app.route("/signup", methods=["POST"])
    def signup():
        user_id = 42
        job = queue.enqueue("tasks.send_welcome_email", user_id)
        return jsonify(user=user_id, job=job.id), 202

    return app
