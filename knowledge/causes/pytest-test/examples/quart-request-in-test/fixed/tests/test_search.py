import asyncio

from search import create_app, search_terms


async def _terms_for(path):
    app = create_app()
    async with app.test_request_context(path):  # a request (and its app context) for the test
        return search_terms()


def test_search_terms():
    assert asyncio.run(_terms_for("/search?q=green+tea")) == ["green", "tea"]
