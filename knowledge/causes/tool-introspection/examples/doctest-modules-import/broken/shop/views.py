"""Catalogue pages.

>>> paginate(list(range(12)), 3)
[10, 11]
"""

from flask import current_app

PAGE_SIZE = current_app.config["PAGE_SIZE"]


def paginate(items, page):
    start = (page - 1) * PAGE_SIZE
    return items[start : start + PAGE_SIZE]
