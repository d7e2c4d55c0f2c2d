from celery.signals import task_postrun
from flask import current_app


def connect_task_signals(app):
    task_postrun.connect(record_task, weak=False)


def record_task(task_id=None, task=None, state=None, **kwargs):
    channel = current_app.config["AUDIT_CHANNEL"]
    print(f"{channel}: {task.name} [{task_id}] {state}")
