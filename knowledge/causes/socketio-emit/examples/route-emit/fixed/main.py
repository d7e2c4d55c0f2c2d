from orders import create_app, socketio

app = create_app()
app.testing = True  # errors propagate to the test client, as under `flask run --debug`

dashboard = socketio.test_client(app)  # a browser with the dashboard open
response = app.test_client().post("/orders", json={"item": "teapot"})
print("POST /orders ->", response.status_code)
print("dashboard got:", [m["name"] for m in dashboard.get_received()])
