# Shows: Flask-SQLAlchemy 2.x without an app in a pytest fixture that calls db.create_all();
#   pytest's long form lists the fixture's arguments, where repr(db) is <SQLAlchemy engine=None>.
#   (pytest-flask, in some of the envs, would push a request context for tests that use `app`:
#   -p no:flask runs them as a project without it.)
# Envs: flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5
# Expect: sqlalchemy-no-app pytest-test
# Prints: no application found | application not registered on db instance
# Run: python -m pytest -p no:cacheprovider -p no:flask {file}
import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

_db = SQLAlchemy()


class Invoice(_db.Model):
    id = _db.Column(_db.Integer, primary_key=True)
    amount = _db.Column(_db.Integer)


def create_app():
    app = Flask("invoices")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    _db.init_app(app)
    return app


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def db():
    return _db


@pytest.fixture
def tables(app, db):
    db.create_all()
    yield
    db.drop_all()


def test_invoice_amount(tables):
    assert Invoice(amount=5).amount == 5
