# Shows: render_template_string at the top of a script on Flask 0.10-2.1.2, which fails on
#   `ctx.app.update_template_context(context)` after `ctx = _app_ctx_stack.top`
#   (AttributeError: 'NoneType' object has no attribute 'app', in flask/templating.py).
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.0.3
# Expect: app-context standalone-script
# Prints: object has no attribute 'app'
# Run: python {file}
from __future__ import print_function

from flask import Flask, render_template_string

app = Flask(__name__)

print(render_template_string("Hello {{ name }}!", name="Ann"))
