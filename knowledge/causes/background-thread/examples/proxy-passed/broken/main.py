import threading

from admin import create_app

app = create_app()
response = app.test_client().post("/admin/reindex")

# Wait for the background work the view started, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /admin/reindex ->", response.status_code)
