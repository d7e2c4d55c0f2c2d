from flask import Flask

from blog.views import bp


def create_app():
    app = Flask(__name__)
    app.config["POSTS_PER_PAGE"] = 2
    app.register_blueprint(bp)
    return app
