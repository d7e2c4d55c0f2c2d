import threading

from admin import create_app

app = create_app()
response = app.test_client().post("/admin/reindex")
print("POST /admin/reindex ->", response.status_code)

# Wait for the background work the view started before the program exits.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
