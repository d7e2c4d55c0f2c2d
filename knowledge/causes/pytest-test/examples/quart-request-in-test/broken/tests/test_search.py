from search import create_app, search_terms


def test_search_terms():
    create_app()
    assert search_terms() == ["green", "tea"]
