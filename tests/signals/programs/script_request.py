# Shows: Flask's own request-context message, raised by request at the top level of a script
#   (flask/globals.py _lookup_req_object on Flask 0.10-2.1).
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4
# Expect: request-context no-request
# Prints: working outside of request context
# Run: python {file}
from __future__ import print_function

from flask import Flask, request

app = Flask(__name__)

page = request.args.get("page", "1")
print("exporting page", page)
