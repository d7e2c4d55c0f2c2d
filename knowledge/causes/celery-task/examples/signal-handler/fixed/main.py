import sys

from celery.contrib.testing.worker import start_worker

from app import create_app
from tasks import send_welcome_email

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

# A real worker, in this process, logging the way `celery worker --loglevel=INFO` does.
with start_worker(celery_app, perform_ping_check=False, loglevel="INFO"):
    result = send_welcome_email.delay(42)
    value = result.get(timeout=10, propagate=False)

print(f"task {result.id}: {result.state}: {value!r}")
sys.exit(0 if result.successful() else 1)
