from reports import app

client = app.test_client()
response = client.get("/orders.csv?status=paid")
body = response.get_data(as_text=True)
assert body.splitlines() == ["id,customer,status", "1,ada,paid", "3,linus,paid"], body
print("export:", len(body.splitlines()) - 1, "rows")
