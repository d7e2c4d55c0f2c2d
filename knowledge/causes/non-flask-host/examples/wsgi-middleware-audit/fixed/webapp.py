from flask import Flask

from audit import AuditMiddleware


def create_app():
    app = Flask(__name__)
    app.config["AUDIT_SKIP"] = {"/health"}
    app.wsgi_app = AuditMiddleware(app, app.wsgi_app)  # the real app, to push its context

    @app.route("/orders")
    def orders():
        return "3 orders"

    return app
