import os

from flask import Flask

from blog.models import db


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(os.getcwd(), "blog.db")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    app.config["PUBLISH_BATCH_SIZE"] = 50
    db.init_app(app)
    with app.app_context():
        db.create_all()

    from blog.commands import publish_scheduled

    app.cli.add_command(publish_scheduled)
    return app
