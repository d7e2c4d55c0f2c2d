from flask import current_app


def paginate(items, page, per_page=None):
    # A default argument is evaluated once, at import; look the setting up per call instead.
    # ctxfix: verify
    if per_page is None:
        per_page = current_app.config["POSTS_PER_PAGE"]
    start = (page - 1) * per_page
    return items[start : start + per_page]
