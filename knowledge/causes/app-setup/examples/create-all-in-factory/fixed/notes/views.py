from flask import Blueprint

from notes.models import Note

bp = Blueprint("notes", __name__)


@bp.route("/notes")
def list_notes():
    return {"notes": [n.text for n in Note.query.order_by(Note.id)]}
