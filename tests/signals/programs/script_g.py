# Shows: Flask's own app-context message, raised by setting g at the top level of a script
#   (flask/globals.py _lookup_app_object on Flask 0.10-2.1).
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4
# Expect: app-context standalone-script
# Prints: working outside of application context
# Run: python {file}
from __future__ import print_function

from flask import Flask, g

app = Flask(__name__)

g.batch_size = 100
print("importing in batches of", g.batch_size)
