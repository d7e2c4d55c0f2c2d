import click
from flask.cli import FlaskGroup

from club import create_app
from club.emails import reminder_email

cli = FlaskGroup(create_app=create_app)


@cli.command("send-reminders")
def send_reminders():
    """Print this week's reminder emails."""
    for name in ("ada", "grace"):
        click.echo(reminder_email(name))


if __name__ == "__main__":
    cli()
