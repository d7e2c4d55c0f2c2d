import pytest

from blog import create_app, db


@pytest.fixture
def app():
    app = create_app({"TESTING": True})
    with app.app_context():
        db.create_all()
    return app  # the context ends here, before the test runs
