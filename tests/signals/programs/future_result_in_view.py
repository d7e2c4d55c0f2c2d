# Shows: a view hands work to a concurrent.futures ThreadPoolExecutor and waits on
#   future.result(), which re-raises the worker's app-context error inside the view; Flask logs
#   "Exception on /report [GET]" with the traceback and answers 500.
# Envs: flask-0.12.5 flask-1.0.4 flask-1.1.4 flask-2.2.5 flask-3.1.3
# Expect: app-context background-thread app-data
# Prints: working outside of application context
# Run: python {file}
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

app = Flask(__name__)
app.config["REPORT_ROWS"] = 50
executor = ThreadPoolExecutor(max_workers=2)


def build_report():
    return "rows: %d" % current_app.config["REPORT_ROWS"]


@app.route("/report")
def report():
    future = executor.submit(build_report)
    return future.result()


print("status", app.test_client().get("/report").status_code)
