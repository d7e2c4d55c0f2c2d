from flask import current_app


def record(path):
    if path not in current_app.config["AUDIT_SKIP"]:
        print("audit:", path)


class AuditMiddleware:
    """Records every request before the app sees it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        record(environ["PATH_INFO"])
        return self.wsgi_app(environ, start_response)
