from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from models import User, db

executor = ThreadPoolExecutor(max_workers=2)


def count_active_users():
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
        future = executor.submit(count_active_users)
        return {"active_users": future.result(timeout=10)}

    return app
