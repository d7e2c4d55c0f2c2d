"""Load the blog for interactive use.

python -i shell.py              a prompt with app, db and the models ready
from shell import *             the same in a notebook or a `python -c` one-liner
"""

from blog import create_app
from blog.models import Post, db

__all__ = ["app", "db", "Post"]

app = create_app()
# Keep one application context pushed for the whole session, as `flask shell` does.
app.app_context().push()
