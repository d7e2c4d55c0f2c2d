from quart import Quart, request


def create_app():
    app = Quart(__name__)
    app.config["MAX_TERMS"] = 3
    return app


def search_terms():
    # ctxfix: verify
    return request.args.get("q", "").split()[:3]
