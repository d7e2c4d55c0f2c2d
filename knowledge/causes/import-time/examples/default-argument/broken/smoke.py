"""Deploy smoke test: build the app and fetch the second page of posts."""

from blog import create_app

app = create_app()

if __name__ == "__main__":
    response = app.test_client().get("/posts?page=2")
    print(response.status_code, response.get_json())
