from quart import current_app


def page_size():
    # Read the setting when a page is built (inside a request), not when Python imports us.
    return current_app.config["PAGE_SIZE"]


def page_of(items, page):
    # ctxfix: verify
    size = page_size()
    start = (page - 1) * size
    return items[start : start + size]
