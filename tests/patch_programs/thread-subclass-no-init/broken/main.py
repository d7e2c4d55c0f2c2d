import threading

from catalog import create_app

app = create_app()
response = app.test_client().post("/catalog/refresh")
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /catalog/refresh ->", response.status_code)
