# Shows: `flask run` failing while it loads the app: the module reads current_app.config at its
#   top level, so the import fails inside flask/cli.py before any server starts.
# Envs: flask-1.0.4 flask-1.1.4-ext flask-2.2.5 flask-3.1.3-ext
# Expect: app-context import-time
# Prints: working outside of application context
# Run: env FLASK_APP={module} {bin}/flask run
from flask import Flask, current_app

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "uploads"

UPLOAD_FOLDER = current_app.config["UPLOAD_FOLDER"]


@app.route("/")
def index():
    return "uploads go to " + UPLOAD_FOLDER
