"""Maintenance commands for the blog:  python manage.py publish-scheduled

The commands live on app.cli, so `flask --app blog publish-scheduled` runs them too.
"""

from flask.cli import FlaskGroup

from blog import create_app

cli = FlaskGroup(create_app=create_app)

if __name__ == "__main__":
    cli()
