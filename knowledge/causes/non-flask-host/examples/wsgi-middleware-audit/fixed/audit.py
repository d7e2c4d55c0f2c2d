from flask import current_app


def record(path):
    # ctxfix: verify
    if path not in current_app.config["AUDIT_SKIP"]:
        print("audit:", path)


class AuditMiddleware:
    """Records every request before the app sees it."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        with self.app.app_context():  # Flask pushes its own only inside wsgi_app
            record(environ["PATH_INFO"])
        return self.wsgi_app(environ, start_response)
