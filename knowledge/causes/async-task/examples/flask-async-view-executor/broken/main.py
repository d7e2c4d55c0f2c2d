from uploads import create_app

app = create_app()
response = app.test_client().post("/upload", data=b"quarterly figures")
print("POST /upload ->", response.status_code, response.get_data(as_text=True)[:60])
