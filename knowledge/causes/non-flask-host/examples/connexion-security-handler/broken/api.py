import connexion
from flask import current_app


def check_password(username, password, required_scopes=None):
    if current_app.config["API_USERS"].get(username) == password:
        return {"sub": username}
    return None


def list_orders():
    return [{"id": 1, "item": "teapot"}]


app = connexion.FlaskApp(__name__, specification_dir=".")
app.add_api("openapi.yaml")
app.app.config["API_USERS"] = {"alice": "s3cret"}
