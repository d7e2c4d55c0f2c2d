# Shows: Flask's own app-context message, raised by current_app at the top level of a script
#   (Flask 0.10's one lower-case line; the explanation under it from 0.11 on).
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4
# Expect: app-context standalone-script
# Prints: working outside of application context
# Run: python {file}
from __future__ import print_function

from flask import Flask, current_app

app = Flask(__name__)
app.config["REPORT_DAYS"] = 7

print("report for the last", current_app.config["REPORT_DAYS"], "days")
