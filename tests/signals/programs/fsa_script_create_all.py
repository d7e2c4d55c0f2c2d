# Shows: Flask-SQLAlchemy 0.16-2.5 without an app: db.init_app(app) in a factory, then
#   db.create_all() at the top level of a script (0.16-2.1 say "application not registered on db
#   instance and no application bound to current context", 2.3-2.5 "No application found").
# Envs: flask-0.10.1 flask-0.10.1-fsa-1.0 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5
# Expect: sqlalchemy-no-app standalone-script
# Prints: no application found | application not registered on db instance
# Run: python {file}
from __future__ import print_function

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    return app


app = create_app()
db.create_all()
print("tables created")
