import sys

from celery.contrib.testing.worker import start_worker

from app import build_report, celery

# A real worker, in this process, logging the way `celery worker --loglevel=INFO` does.
with start_worker(celery, perform_ping_check=False, loglevel="INFO"):
    result = build_report.delay("2024-05")
    value = result.get(timeout=10, propagate=False)

print(f"task {result.id}: {result.state}: {value!r}")
sys.exit(0 if result.successful() else 1)
