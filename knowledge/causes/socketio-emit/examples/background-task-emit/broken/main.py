import logging
import threading

from progress import create_app, socketio

logging.basicConfig(format="%(levelname)s %(message)s", level=logging.INFO)
app = create_app()
client = socketio.test_client(app)
client.emit("start", {"steps": 3})

# Wait for the background task the event started, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
received = [m for m in client.get_received() if m["name"] == "progress"]
logging.info("progress events received: %d", len(received))
