from quart import Quart


def create_app():
    app = Quart(__name__)
    app.config.from_mapping(INDEX="products-v3", INDEX_BATCH=2)
    return app
