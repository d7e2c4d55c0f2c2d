# Shows: Flask-SQLAlchemy 0.16-2.5 without an app: create_app() calls db.create_all() right
#   after db.init_app(app), with no context pushed.
# Envs: flask-0.10.1 flask-0.10.1-fsa-1.0 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5
# Expect: sqlalchemy-no-app app-setup
# Prints: no application found | application not registered on db instance
# Run: python {file}
from __future__ import print_function

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    db.create_all()
    return app


app = create_app()
print("app ready:", app.name)
