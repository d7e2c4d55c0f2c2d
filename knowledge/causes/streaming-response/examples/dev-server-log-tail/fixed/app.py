from flask import Flask, Response, request, stream_with_context

app = Flask(__name__)

LOG = ["boot", "ready", "GET /", "GET /health", "shutdown"]


@app.route("/logs")
def tail_logs():
    @stream_with_context
    def lines():
        # ctxfix: verify

        limit = request.args.get("n", 2, type=int)
        for line in LOG[-limit:]:
            yield line + "\n"

    return Response(lines(), mimetype="text/plain")
