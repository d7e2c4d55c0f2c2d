from catalog import create_app

client = create_app().test_client()
body = client.get("/products.csv?max_price=10").get_data(as_text=True)
assert body.splitlines() == ["name,price", "mug,9", "tea,6"], body
print("exported", len(body.splitlines()) - 1, "products")
