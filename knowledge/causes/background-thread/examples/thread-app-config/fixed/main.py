import threading

from shop import create_app

app = create_app()
response = app.test_client().post("/orders")

# Wait for the background work the view started, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /orders ->", response.status_code)
