from celery.signals import task_postrun
from flask import current_app, has_app_context


def connect_task_signals(app):
    @task_postrun.connect(weak=False)  # a local function needs a strong reference
    def record_task(task_id=None, task=None, state=None, **kwargs):
        with app.app_context():
            assert has_app_context(), "this task runs without an application context"
            print("ctxfix: task runs in app", current_app.name)
            print("ctxfix verify: ok")

            channel = current_app.config["AUDIT_CHANNEL"]
            print(f"{channel}: {task.name} [{task_id}] {state}")
