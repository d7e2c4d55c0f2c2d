from api import app

response = app.test_client().get("/orders", auth=("alice", "s3cret"))
print("GET /orders ->", response.status_code)
