"""Print the confirmation emails for accounts that signed up but never confirmed."""

from flask import url_for

from shop import create_app

PENDING = {"ada@example.com": "t0k3n-ada", "grace@example.com": "t0k3n-grace"}

app = create_app()
# With no request to copy the host from, url_for needs to be told where the site lives.
app.config.update(SERVER_NAME="shop.example.com", PREFERRED_URL_SCHEME="https")
with app.app_context():
    # ctxfix: verify

    for email, token in PENDING.items():
        link = url_for("confirm_email", token=token, _external=True)
        assert link.startswith("https://shop.example.com/confirm/"), link
        print(f"To: {email}\nPlease confirm your address: {link}\n")
