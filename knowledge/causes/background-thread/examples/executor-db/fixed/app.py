from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

from models import User, db

executor = ThreadPoolExecutor(max_workers=2)


def count_active_users(app):
    with app.app_context():
        # ctxfix: verify

        return User.query.filter_by(active=True).count()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    with app.app_context():
        db.create_all()
        db.session.add_all([User(name="ada"), User(name="bob", active=False)])
        db.session.commit()

    @app.route("/stats")
    def stats():
        real_app = current_app._get_current_object()  # the app itself, not the proxy
        future = executor.submit(count_active_users, real_app)
        return {"active_users": future.result(timeout=10)}

    return app
