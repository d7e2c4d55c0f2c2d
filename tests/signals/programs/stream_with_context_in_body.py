# Shows: stream_with_context called inside a streamed body, after the view returned: the body
#   generator wraps a second generator while Werkzeug iterates the response. Flask 0.10-2.1:
#   "Attempted to stream with context but there was no context in the first place to keep
#   around."; 2.2 and newer: "'stream_with_context' can only be used when a request context is
#   active, such as in a view function."
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.0.3 flask-2.1.3 flask-2.2.5 flask-3.0.3 flask-3.1.3
# Expect: request-context streaming-response
# Prints: attempted to stream with context | can only be used when a request context
# Run: python {file}
from __future__ import print_function

from flask import Flask, Response, request, stream_with_context

app = Flask(__name__)


def rows():
    yield "id,name\n"
    yield "1,%s\n" % request.args.get("name", "ann")


def export_body():
    for chunk in stream_with_context(rows()):
        yield chunk


@app.route("/export.csv")
def export():
    return Response(export_body(), mimetype="text/csv")


response = app.test_client().get("/export.csv?name=bo")
print(response.get_data(as_text=True))
