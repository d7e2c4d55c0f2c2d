from flask import current_app


def fmt(cents):
    return f"{cents / 100:.2f} {current_app.config['CURRENCY']}"
