from webapp import create_app

app = create_app()
response = app.test_client().get("/orders")
print("GET /orders ->", response.status_code, response.get_data(as_text=True))
