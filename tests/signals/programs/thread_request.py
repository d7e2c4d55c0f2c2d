# Shows: Flask's own request-context message in a threading.Thread that a view started; the
#   thread reads request.args.
# Envs: flask-0.10.1 flask-0.10.1-py2.7 flask-0.12.5 flask-1.0.4
# Expect: request-context background-thread request-data
# Prints: working outside of request context
# Run: python {file}
from __future__ import print_function

import threading

from flask import Flask, request

app = Flask(__name__)


def log_search():
    print("search for", request.args.get("q"))


@app.route("/search")
def search():
    worker = threading.Thread(target=log_search)
    worker.start()
    worker.join()
    return "results"


print(app.test_client().get("/search?q=lamp").status_code)
