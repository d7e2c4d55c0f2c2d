import os

from flask import Flask

from notes.models import db


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(os.getcwd(), "notes.db")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    with app.app_context():  # create_all looks up the current app
        # ctxfix: verify
        db.create_all()

    from notes.views import bp

    app.register_blueprint(bp)
    return app
