import os

from flask import Flask, current_app, has_app_context

from notes.models import db


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(os.getcwd(), "notes.db")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    with app.app_context():  # create_all looks up the current app
        assert has_app_context(), "setup runs without an application context"
        print("ctxfix verify: ok", current_app.name)
        db.create_all()

    from notes.views import bp

    app.register_blueprint(bp)
    return app
