"""Catalogue pages.

>>> paginate(list(range(12)), 3)
[10, 11]
"""

from flask import current_app

# ctxfix: verify


def paginate(items, page):
    page_size = current_app.config["PAGE_SIZE"]  # read when called, not when imported
    start = (page - 1) * page_size
    return items[start : start + page_size]
