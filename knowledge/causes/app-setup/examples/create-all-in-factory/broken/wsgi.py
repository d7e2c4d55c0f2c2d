"""Entry point for servers and for `flask`, which finds this file by its name."""

from notes import create_app

app = create_app()
