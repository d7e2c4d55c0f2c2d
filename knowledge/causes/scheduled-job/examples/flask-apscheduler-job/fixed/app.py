from datetime import datetime

from flask import Flask, current_app
from flask_apscheduler import APScheduler

scheduler = APScheduler()


# Run once right away, then every hour.
@scheduler.task("interval", id="purge_old_sessions", hours=1, next_run_time=datetime.now())
def purge_old_sessions():
    with scheduler.app.app_context():  # init_app() stored the app on the scheduler
        # ctxfix: verify

        days = current_app.config["SESSION_RETENTION_DAYS"]
        print(f"purging sessions older than {days} days")


def create_app():
    app = Flask(__name__)
    app.config["SESSION_RETENTION_DAYS"] = 30
    scheduler.init_app(app)
    scheduler.start()
    return app
