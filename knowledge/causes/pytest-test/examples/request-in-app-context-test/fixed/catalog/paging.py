from flask import current_app, request


def page_window():
    """The (offset, limit) asked for by the current request's ?page= argument."""
    # ctxfix: verify
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PER_PAGE"]
    return (page - 1) * per_page, per_page
