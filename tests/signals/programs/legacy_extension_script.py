# Shows: an extension written the Flask 0.10 way (state on `_app_ctx_stack.top`) used at the top
#   of a script: AttributeError: 'NoneType' object has no attribute 'counter_hits' on a line
#   reading `_app_ctx_stack.top`. The extension is our own, in the style of Flask 0.10's
#   extension docs but without their `if ctx is not None` check.
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4 flask-1.1.4
# Expect: app-context standalone-script
# Prints: object has no attribute 'counter_hits'
# Run: python {file}
from __future__ import print_function

from flask import Flask, _app_ctx_stack


class HitCounter(object):
    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        @app.before_request
        def start():
            _app_ctx_stack.top.counter_hits = 0

    def hits(self):
        return _app_ctx_stack.top.counter_hits


app = Flask(__name__)
counter = HitCounter(app)

print("hits so far:", counter.hits())
