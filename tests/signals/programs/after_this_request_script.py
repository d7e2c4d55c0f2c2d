# Shows: after_this_request outside a request, from a view helper a script reuses. Flask 0.10-1.1
#   fail on the line `_request_ctx_stack.top._after_request_functions.append(f)`
#   (AttributeError: 'NoneType' object has no attribute '_after_request_functions'); 2.0 and
#   newer say "'after_this_request' can only be used when a request context is active".
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.0.3 flask-2.1.3 flask-2.2.5 flask-3.0.3 flask-3.1.3
# Expect: request-context no-request
# Prints: has no attribute '_after_request_functions' | can only be used when a request context
# Run: python {file}
from __future__ import print_function

from flask import Flask, after_this_request

app = Flask(__name__)


def no_store():
    @after_this_request
    def add_header(response):
        response.headers["Cache-Control"] = "no-store"
        return response


def build_report():
    no_store()
    return "report"


print(build_report())
