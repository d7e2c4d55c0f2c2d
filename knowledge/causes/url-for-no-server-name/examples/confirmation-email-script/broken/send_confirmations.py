"""Print the confirmation emails for accounts that signed up but never confirmed."""

from flask import url_for

from shop import create_app

PENDING = {"ada@example.com": "t0k3n-ada", "grace@example.com": "t0k3n-grace"}

app = create_app()
with app.app_context():
    for email, token in PENDING.items():
        link = url_for("confirm_email", token=token, _external=True)
        print(f"To: {email}\nPlease confirm your address: {link}\n")
