# Shows: copy_current_request_context applied outside a request, in a helper a script calls to
#   start a thread. Flask 0.10-1.1: "This decorator can only be used at local scopes when a
#   request context is on the stack."; 2.0 and newer: "'copy_current_request_context' can only be
#   used when a request context is active, such as in a view function."
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.0.3 flask-2.1.3 flask-2.2.5 flask-3.0.3 flask-3.1.3
# Expect: request-context no-request
# Prints: can only be used at local scopes | can only be used when a request context
# Run: python {file}
from __future__ import print_function

import threading

from flask import Flask, copy_current_request_context, request

app = Flask(__name__)


def audit():
    print("audit", request.path)


def start_audit():
    worker = threading.Thread(target=copy_current_request_context(audit))
    worker.start()
    return worker


start_audit().join()
