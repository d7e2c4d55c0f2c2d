from quart import Quart


def create_app():
    app = Quart(__name__)
    app.config["PAGE_SIZE"] = 2

    from catalog.views import bp

    app.register_blueprint(bp)
    return app
