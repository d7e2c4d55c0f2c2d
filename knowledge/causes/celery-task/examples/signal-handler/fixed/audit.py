from celery.signals import task_postrun
from flask import current_app


def connect_task_signals(app):
    @task_postrun.connect(weak=False)  # a local function needs a strong reference
    def record_task(task_id=None, task=None, state=None, **kwargs):
        with app.app_context():
            # ctxfix: verify

            channel = current_app.config["AUDIT_CHANNEL"]
            print(f"{channel}: {task.name} [{task_id}] {state}")
