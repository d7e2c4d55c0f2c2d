import pytest

from catalog import create_app


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "PER_PAGE": 10})
    with app.app_context():
        yield app
