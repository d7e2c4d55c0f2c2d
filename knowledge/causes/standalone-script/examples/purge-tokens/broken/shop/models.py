from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class ResetToken(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120), nullable=False)
    created_at = db.Column(db.Integer, nullable=False)  # seconds since the epoch
