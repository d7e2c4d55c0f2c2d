import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(os.getcwd(), "invoices.db")
database = SQLAlchemy(app)


class Invoice(database.Model):
    id = database.Column(database.Integer, primary_key=True)
    amount = database.Column(database.Integer, nullable=False)


@app.get("/invoices")
def list_invoices():
    return {"count": Invoice.query.count()}
