# Shows: an extension's Flask CLI command (Flask-Migrate's `flask db current`) failing while
#   Flask loads the app: the module reads current_app.config at its top level.
# Envs: flask-1.1.4-ext flask-3.1.3-ext
# Expect: app-context import-time
# Prints: working outside of application context
# Run: env FLASK_APP={module} {bin}/flask db current
from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
app.config["PAGE_SIZE"] = 20
db = SQLAlchemy(app)
migrate = Migrate(app, db)

PAGE_SIZE = current_app.config["PAGE_SIZE"]
