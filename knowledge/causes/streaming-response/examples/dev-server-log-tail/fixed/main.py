"""Serve the app with Werkzeug's development server on a free loopback port and fetch /logs."""

import sys
import threading
import urllib.error
import urllib.request

from werkzeug.serving import make_server

from app import app

server = make_server("127.0.0.1", 0, app, threaded=True)
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()
try:
    url = f"http://127.0.0.1:{server.server_port}/logs?n=3"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
    except (urllib.error.URLError, OSError) as exc:  # HTTP 500 or a cut-off body
        print("fetching /logs failed:", exc)
        sys.exit(1)
finally:
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()

assert body.splitlines() == ["GET /", "GET /health", "shutdown"], body
print("tail:", body.splitlines())
