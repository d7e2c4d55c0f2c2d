"""A worker that logs a failed job the way Celery does, then prints the traceback via logging."""

import logging
import sys

from flask import Flask, current_app

logging.basicConfig(
    stream=sys.stderr,
    level=logging.INFO,
    format="[%(asctime)s: %(levelname)s/ForkPoolWorker-1] %(message)s",
)
log = logging.getLogger("celery.app.trace")
app = Flask(__name__)


def send_report(user_id):
    return current_app.config["REPORT_TO"], user_id


try:
    send_report(7)
except Exception as exc:
    log.error(
        "Task tasks.send_report[3f1c2a9e-8d0b-4c55-9a51-0c1d2e3f4a5b] raised unexpected: %r",
        exc,
        exc_info=True,
    )
