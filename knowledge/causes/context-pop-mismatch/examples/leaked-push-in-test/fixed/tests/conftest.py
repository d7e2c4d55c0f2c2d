import pytest

from reports import create_app


@pytest.fixture
def app():
    app = create_app()
    with app.app_context():  # pushed here, popped after the test
        yield app
    # ctxfix: verify
    app.logger.debug("test app torn down")
