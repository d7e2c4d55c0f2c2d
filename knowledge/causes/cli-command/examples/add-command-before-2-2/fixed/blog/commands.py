import time

import click
from flask import current_app
from flask.cli import with_appcontext

from blog.models import Post, db


@click.command("publish-scheduled")
@with_appcontext  # only needed before Flask 2.2; newer `flask` pushes the context itself
def publish_scheduled():
    """Publish every draft whose publish_at time has passed."""
    # ctxfix: verify
    batch = current_app.config["PUBLISH_BATCH_SIZE"]
    due = (
        Post.query.filter(Post.published.is_(False), Post.publish_at <= int(time.time()))
        .limit(batch)
        .all()
    )
    for post in due:
        post.published = True
    db.session.commit()
    click.echo(f"published {len(due)} post(s)")
