import os

from bookshelf.models import Book, add_book


def test_add_books(titles):
    for title in titles:
        add_book(title)
    assert Book.query.count() == 2
    # The test must never touch the development database.
    assert not os.path.exists(os.path.join("instance", "bookshelf.db"))
