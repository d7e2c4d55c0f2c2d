import pytest

from reports import create_app


@pytest.fixture
def app():
    app = create_app()
    ctx = app.app_context()
    ctx.push()
    yield app
    ctx.pop()
    app.logger.debug("test app torn down")
