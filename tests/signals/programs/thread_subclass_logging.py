# Shows: a threading.Thread subclass whose run() catches the error and logs it with
#   logging.exception: the logged traceback starts at run(), with no threading.py frames.
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5 flask-3.1.3
# Expect: app-context background-thread app-data
# Prints: working outside of application context
# Run: python {file}
import logging
import threading

from flask import Flask, current_app

logging.basicConfig(format="%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s")
log = logging.getLogger("sync")

app = Flask(__name__)
app.config["UPSTREAM_URL"] = "https://partner.example.com/stock"


class StockSync(threading.Thread):
    def run(self):
        try:
            self.sync()
        except Exception:
            log.exception("stock sync failed")

    def sync(self):
        url = current_app.config["UPSTREAM_URL"]
        print("syncing from", url)


@app.route("/sync", methods=["POST"])
def start_sync():
    worker = StockSync()
    worker.start()
    worker.join()
    return "started", 202


print("status", app.test_client().post("/sync").status_code)
