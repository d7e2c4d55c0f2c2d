import connexion
from flask import current_app


def check_password(username, password, required_scopes=None):
    # Connexion 3 checks security in its ASGI middleware, before Flask pushes a context
    with app.app.app_context():  # app.app is the Flask app inside the Connexion app
        # ctxfix: verify
        if current_app.config["API_USERS"].get(username) == password:
            return {"sub": username}
    return None


def list_orders():
    return [{"id": 1, "item": "teapot"}]


app = connexion.FlaskApp(__name__, specification_dir=".")
app.add_api("openapi.yaml")
app.app.config["API_USERS"] = {"alice": "s3cret"}
