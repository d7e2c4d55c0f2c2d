import pytest

from accounts import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True})
