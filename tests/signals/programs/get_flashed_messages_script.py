# Shows: get_flashed_messages() at the top of a script. Flask 0.10-2.1 fail on the line
#   `flashes = _request_ctx_stack.top.flashes` (AttributeError: 'NoneType' object has no
#   attribute 'flashes'); 2.2 and newer raise the request-context message.
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.0.3 flask-2.1.3 flask-2.2.5 flask-3.0.3 flask-3.1.3
# Expect: request-context no-request
# Prints: has no attribute 'flashes' | working outside of request context
# Run: python {file}
from __future__ import print_function

from flask import Flask, get_flashed_messages

app = Flask(__name__)
app.secret_key = "dev"

for category, text in get_flashed_messages(with_categories=True):
    print(category, text)
