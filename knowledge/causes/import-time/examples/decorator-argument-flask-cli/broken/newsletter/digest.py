from flask import Blueprint, current_app

from newsletter.mail import send_mail

bp = Blueprint("digest", __name__, cli_group=None)


@bp.cli.command("send-digest")
def send_digest():
    """Mail the weekly digest to every subscriber."""
    for address in current_app.config["DIGEST_RECIPIENTS"]:
        send_mail(address, "Your weekly digest")
