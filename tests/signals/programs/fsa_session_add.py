# Shows: Flask-SQLAlchemy 2.x's scoped session without an app: db.session.add() at the top of a
#   script. On Python 3 SQLAlchemy's ScopedRegistry KeyError comes first, then "During handling
#   of the above exception" and the no-app RuntimeError; Python 2 prints the RuntimeError alone.
# Envs: flask-0.10.1 flask-0.10.1-fsa-1.0 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5
# Expect: sqlalchemy-no-app standalone-script
# Prints: no application found | application not registered on db instance
# Run: python {file}
from __future__ import print_function

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    return app


app = create_app()
db.session.add(Customer(email="ann@example.com"))
db.session.commit()
