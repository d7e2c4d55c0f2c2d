from flask import Flask, request

app = Flask(__name__)

SIGNUPS = {"7d": 12, "30d": 41}


@app.route("/dashboard")
def dashboard():
    # ctxfix: verify
    period = request.args.get("range", "7d")
    return f"<h1>Signups ({period})</h1><p>{SIGNUPS[period]}</p>"
