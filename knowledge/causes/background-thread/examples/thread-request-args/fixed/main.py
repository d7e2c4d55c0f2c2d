import threading

from search import create_app

app = create_app()
response = app.test_client().get("/search?q=flask", headers={"User-Agent": "demo/1.0"})

# Wait for the background work the view started, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("GET /search ->", response.status_code)
