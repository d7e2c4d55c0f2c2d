import threading

from shop import create_app

app = create_app()
response = app.test_client().post("/api/orders", json={"items": ["mug", "tea"]})
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /api/orders ->", response.status_code)
