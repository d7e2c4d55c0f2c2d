from invoices import create_app

app = create_app({"TESTING": True})  # errors reach the test client instead of a 500 page
response = app.test_client().post(
    "/invoices/7/pdf",
    json={"lines": [{"name": "tea", "amount": 4.5}, {"name": "mug", "amount": 9}]},
)
print("POST /invoices/7/pdf ->", response.status_code, response.get_json())
