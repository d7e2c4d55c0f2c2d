# Shows: Flask-SQLAlchemy 0.16-2.5 without an app in a unittest TestCase's setUp, run with
#   python -m unittest (unittest prints ERROR: test_... and the traceback from setUp).
# Envs: flask-0.10.1 flask-0.10.1-fsa-1.0 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5
# Expect: sqlalchemy-no-app pytest-test
# Prints: no application found | application not registered on db instance
# Run: python -m unittest {module}
import unittest

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    total = db.Column(db.Integer)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    return app


class OrderTest(unittest.TestCase):
    def setUp(self):
        self.app = create_app()
        db.create_all()

    def tearDown(self):
        db.drop_all()

    def test_total(self):
        self.assertEqual(Order(total=3).total, 3)
