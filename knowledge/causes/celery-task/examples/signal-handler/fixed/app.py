from celery import Celery, Task
from flask import Flask

import audit


def celery_init_app(app):
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    audit.connect_task_signals(app)
    return celery_app


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(
        MAIL_DEFAULT_SENDER="noreply@example.com",
        AUDIT_CHANNEL="#task-audit",
        CELERY={
            "broker_url": "memory://",
            "result_backend": "cache+memory://",
            "broker_transport_options": {"polling_interval": 0.1},
        },
    )
    celery_init_app(app)
    return app
