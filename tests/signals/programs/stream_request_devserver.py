# Shows: a streamed body that reads request after the view returned, served by Werkzeug's
#   development server on 127.0.0.1 ("Error on request:" and the traceback, with Werkzeug
#   iterating the body: _iter_encoded in werkzeug/wrappers.py on 0.10, wrappers/base_response.py
#   on 0.15-1.0).
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4 flask-1.1.4
# Expect: request-context streaming-response
# Prints: working outside of request context
# Run: python {file}
from __future__ import print_function

import threading

from flask import Flask, Response, request
from werkzeug.serving import make_server

try:
    from urllib.request import urlopen
except ImportError:  # Python 2
    from urllib2 import urlopen

app = Flask(__name__)


@app.route("/greeting")
def greeting():
    def generate():
        yield "Hello, "
        yield request.args.get("name", "world")

    return Response(generate())


server = make_server("127.0.0.1", 0, app)
thread = threading.Thread(target=server.serve_forever)
thread.start()
try:
    body = urlopen("http://127.0.0.1:%d/greeting?name=ann" % server.server_port, timeout=10).read()
    print("client got", body)
except Exception as exc:  # the server drops the connection mid-body
    print("client error:", type(exc).__name__)
finally:
    server.shutdown()
    thread.join()
