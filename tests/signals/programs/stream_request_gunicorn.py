# Shows: a streamed body that reads request after the view returned, served by gunicorn (one
#   sync worker, bound to 127.0.0.1 only): "Error handling request" and the traceback in
#   gunicorn's log, with gunicorn's worker iterating the body (respiter).
# Envs: flask-0.12.5 flask-1.0.4 flask-1.1.4-ext flask-3.1.3-ext
# Expect: request-context streaming-response
# Prints: working outside of request context
# Run: python {file}
import os
import socket
import subprocess
import sys
import time
from urllib.request import urlopen

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/feed")
def feed():
    def generate():
        yield "items for "
        yield request.args.get("user", "nobody")

    return Response(generate())


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


if __name__ == "__main__":
    port = free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    module = os.path.splitext(os.path.basename(__file__))[0]
    argv = [gunicorn, "--bind", "127.0.0.1:%d" % port, "--workers", "1", module + ":app"]
    server = subprocess.Popen(argv)
    try:
        for _ in range(200):  # wait for gunicorn to listen (at most 20 s)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        try:
            body = urlopen("http://127.0.0.1:%d/feed?user=ann" % port, timeout=10).read()
            print("client got", body, flush=True)
        except Exception as exc:  # the worker drops the connection mid-body
            print("client error:", type(exc).__name__, flush=True)
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
