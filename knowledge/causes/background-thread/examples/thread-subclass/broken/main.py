import threading

from reports import create_app

app = create_app()
response = app.test_client().post("/reports/sales")

# Wait for the export the view started, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /reports/sales ->", response.status_code)
