import logging

from service import app

logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
response = app.test_client().get("/health", headers={"X-Request-Id": "abc123"})
print("GET /health ->", response.status_code, response.get_json())
