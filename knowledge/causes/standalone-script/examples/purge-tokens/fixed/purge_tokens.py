"""Nightly cron job: delete password-reset tokens older than TOKEN_MAX_AGE.

crontab:  15 3 * * *  cd /srv/shop && venv/bin/python purge_tokens.py
"""

import time

from flask import current_app

from shop import create_app
from shop.models import ResetToken, db


def purge_expired_tokens(now):
    # ctxfix: verify
    cutoff = now - current_app.config["TOKEN_MAX_AGE"]
    count = ResetToken.query.filter(ResetToken.created_at < cutoff).delete()
    db.session.commit()
    return count


def main():
    app = create_app()
    with app.app_context():  # the script's work runs inside the app's context
        count = purge_expired_tokens(int(time.time()))
    print(f"purged {count} expired reset tokens")


if __name__ == "__main__":
    main()
