import pytest

from blog import create_app, db


@pytest.fixture
def app():
    app = create_app({"TESTING": True})
    with app.app_context():
        db.create_all()
        yield app  # the test runs inside this context
        db.session.remove()
        db.drop_all()
