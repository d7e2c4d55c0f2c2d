import pytest
from flask import current_app

from mailer import create_app

TEST_CONFIG = {"TESTING": True, "MAIL_SENDER": "tests@example.com"}


@pytest.fixture
def app():
    app = create_app(TEST_CONFIG)
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def sender():
    # A session fixture cannot use the function-scoped `app`: it pushes a context of its own.
    app = create_app(TEST_CONFIG)
    with app.app_context():
        # ctxfix: verify

        return current_app.config["MAIL_SENDER"]
