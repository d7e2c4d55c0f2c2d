from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    published = db.Column(db.Boolean, nullable=False, default=False)
    publish_at = db.Column(db.Integer, nullable=True)  # seconds since the epoch
