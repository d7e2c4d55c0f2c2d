import pytest

from shop import create_app


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "TAX_RATE": 0.25})
    with app.app_context():
        yield app
