# Shows: a streamed body that queries Flask-SQLAlchemy 2.x after the view returned, served by
#   Werkzeug's development server on 127.0.0.1: the no-app message ("application not registered
#   on db instance..." on 2.1, "No application found" on 2.4-2.5) under "Error on request:".
# Envs: flask-0.12.5 flask-1.0.4 flask-1.1.4
# Expect: sqlalchemy-no-app streaming-response
# Prints: no application found | application not registered on db instance
# Run: python {file}
import threading
from urllib.request import urlopen

from flask import Flask, Response
from flask_sqlalchemy import SQLAlchemy
from werkzeug.serving import make_server

db = SQLAlchemy()


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db.init_app(app)


@app.route("/customers.csv")
def customers_csv():
    def generate():
        yield "id,email\n"
        for customer in Customer.query.order_by(Customer.id):
            yield "%d,%s\n" % (customer.id, customer.email)

    return Response(generate(), mimetype="text/csv")


server = make_server("127.0.0.1", 0, app)
thread = threading.Thread(target=server.serve_forever)
thread.start()
try:
    body = urlopen("http://127.0.0.1:%d/customers.csv" % server.server_port, timeout=10).read()
    print("client got", body)
except Exception as exc:  # the server drops the connection mid-body
    print("client error:", type(exc).__name__)
finally:
    server.shutdown()
    thread.join()
