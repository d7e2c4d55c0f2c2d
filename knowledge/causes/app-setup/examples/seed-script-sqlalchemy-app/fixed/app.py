import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(os.getcwd(), "todo.db")
db = SQLAlchemy(app)


class Todo(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)


@app.route("/")
def index():
    return {"todos": [t.title for t in Todo.query.order_by(Todo.id)]}


if __name__ == "__main__":
    app.run(debug=True)
