import secrets

import click
from flask import url_for
from flask.cli import FlaskGroup

from accounts import create_app

cli = FlaskGroup(create_app=create_app)


@cli.command("reset-link")
@click.argument("email")
def reset_link(email):
    """Print a password reset link for a user who cannot receive email."""
    token = secrets.token_urlsafe(8)
    click.echo(f"{email}: {url_for('reset_password', token=token, _external=True)}")


if __name__ == "__main__":
    cli()
