import secrets

import click
from flask import current_app, url_for
from flask.cli import FlaskGroup

from accounts import create_app

cli = FlaskGroup(create_app=create_app)


@cli.command("reset-link")
@click.argument("email")
def reset_link(email):
    """Print a password reset link for a user who cannot receive email."""
    token = secrets.token_urlsafe(8)
    # A request for the public address gives url_for a host and scheme to build from.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        # ctxfix: verify

        link = url_for("reset_password", token=token, _external=True)
    assert link.startswith("https://accounts.example.com/reset/"), link
    click.echo(f"{email}: {link}")


if __name__ == "__main__":
    cli()
