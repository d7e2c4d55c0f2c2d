import pytest


@pytest.fixture
def titles():
    return ["Dune", "Emma"]
