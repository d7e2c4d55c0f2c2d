import sys
import threading

from reports import create_app
from reports.extensions import socketio

app = create_app()
browser = socketio.test_client(app, namespace="/exports")
browser.emit("export", {"table": "orders"}, namespace="/exports")

# The export runs in a background task: wait for it before reading what the browser got.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
progress = [m for m in browser.get_received("/exports") if m["name"] == "export-progress"]
print(f"progress events received: {len(progress)}")
sys.exit(0 if progress else 1)
