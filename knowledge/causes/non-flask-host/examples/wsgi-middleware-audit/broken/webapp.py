from flask import Flask

from audit import AuditMiddleware


def create_app():
    app = Flask(__name__)
    app.config["AUDIT_SKIP"] = {"/health"}
    app.wsgi_app = AuditMiddleware(app.wsgi_app)

    @app.route("/orders")
    def orders():
        return "3 orders"

    return app
