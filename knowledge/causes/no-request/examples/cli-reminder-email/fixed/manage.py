import click
from flask import current_app
from flask.cli import FlaskGroup

from club import create_app
from club.emails import reminder_email

cli = FlaskGroup(create_app=create_app)


@cli.command("send-reminders")
def send_reminders():
    """Print this week's reminder emails."""
    # The command has an app context but no request: build one for the public site URL.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        for name in ("ada", "grace"):
            click.echo(reminder_email(name))


if __name__ == "__main__":
    cli()
