from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app

scheduler = BackgroundScheduler()


def purge_old_sessions(app):
    with app.app_context():
        # ctxfix: verify

        days = current_app.config["SESSION_RETENTION_DAYS"]
        print(f"purging sessions older than {days} days")


def create_app():
    app = Flask(__name__)
    app.config["SESSION_RETENTION_DAYS"] = 30
    # Run once right away, then every hour; the job gets the app itself as its argument.
    scheduler.add_job(
        purge_old_sessions, "interval", hours=1, next_run_time=datetime.now(), args=[app]
    )
    scheduler.start()
    return app
