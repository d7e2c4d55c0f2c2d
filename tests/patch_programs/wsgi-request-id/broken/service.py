import logging
import uuid

from flask import Flask, jsonify, request

log = logging.getLogger("service")


def request_id():
    """The caller's X-Request-Id, or a new one."""
    return request.headers.get("X-Request-Id") or uuid.uuid4().hex[:8]


class RequestIdMiddleware:
    """Gives every request an id (the caller's, or a new one) and logs it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ["HTTP_X_REQUEST_ID"] = request_id()
        log.info("%s %s [%s]", environ["REQUEST_METHOD"], environ["PATH_INFO"], request_id())
        return self.wsgi_app(environ, start_response)


app = Flask(__name__)
app.wsgi_app = RequestIdMiddleware(app.wsgi_app)


@app.get("/health")
def health():
    return jsonify(status="ok", request_id=request_id())
