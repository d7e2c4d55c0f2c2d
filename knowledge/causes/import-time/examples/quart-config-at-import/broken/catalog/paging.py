from quart import current_app

PAGE_SIZE = current_app.config["PAGE_SIZE"]


def page_of(items, page):
    start = (page - 1) * PAGE_SIZE
    return items[start : start + PAGE_SIZE]
