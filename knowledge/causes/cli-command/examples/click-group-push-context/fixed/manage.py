"""Maintenance commands for the blog:  python manage.py publish-scheduled"""

import time

import click
from flask import current_app

from blog import create_app
from blog.models import Post, db

app = create_app()


@click.group()
def cli():
    """Maintenance commands for the blog."""


@cli.command("publish-scheduled")
def publish_scheduled():
    """Publish every draft whose publish_at time has passed."""
    # A plain click command gets no context from Flask: push the app's context here.
    with app.app_context():
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


if __name__ == "__main__":
    cli()
