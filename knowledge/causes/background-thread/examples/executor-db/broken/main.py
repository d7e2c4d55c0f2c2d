import sys

from app import create_app, executor

app = create_app()
response = app.test_client().get("/stats")
print("GET /stats ->", response.status_code, response.get_data(as_text=True)[:60])
executor.shutdown(wait=True)
sys.exit(0 if response.status_code == 200 else 1)
