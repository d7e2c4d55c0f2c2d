from flask import Flask, Response, request

app = Flask(__name__)

LOG = ["boot", "ready", "GET /", "GET /health", "shutdown"]


@app.route("/logs")
def tail_logs():
    def lines():
        limit = request.args.get("n", 2, type=int)  # runs while the server sends the body
        for line in LOG[-limit:]:
            yield line + "\n"

    return Response(lines(), mimetype="text/plain")
