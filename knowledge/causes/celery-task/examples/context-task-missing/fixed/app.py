from flask import Flask, current_app

from factory import make_celery

flask_app = Flask(__name__)
flask_app.config.update(
    REPORTS_DIR="/tmp/reports",
    CELERY={
        "broker_url": "memory://",
        "result_backend": "cache+memory://",
        "broker_transport_options": {"polling_interval": 0.1},
    },
)
celery = make_celery(flask_app)


@celery.task()
def build_report(month):
    # ctxfix: verify

    folder = current_app.config["REPORTS_DIR"]
    return f"{folder}/report-{month}.csv"
