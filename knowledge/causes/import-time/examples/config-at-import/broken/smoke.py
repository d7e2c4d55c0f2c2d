"""Deploy smoke test: build the app and push one photo upload through it."""

from inventory import create_app

app = create_app()

if __name__ == "__main__":
    client = app.test_client()
    response = client.post("/items/7/photo", data=b"\xff\xd8 not really a jpeg")
    print(response.status_code, response.get_json())
