import logging
import sys
import threading

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from app import create_app, scheduler

logging.basicConfig(level=logging.INFO)

done = threading.Event()
errors = []


def on_job_event(event):
    if event.exception is not None:
        errors.append(event.exception)
    done.set()


scheduler.add_listener(on_job_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
app = create_app()
try:
    finished = done.wait(timeout=10)  # the first run of the job
finally:
    scheduler.shutdown(wait=True)
print("first run:", "failed" if errors else "ok" if finished else "did not run")
sys.exit(0 if finished and not errors else 1)
