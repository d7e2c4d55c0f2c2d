import functools

from flask import current_app


def retry(setting):
    """Call the function again when the mail server drops the connection.

    The number of tries comes from the config key `setting`, read on each call: a decorator's
    arguments are evaluated when the module is imported, before any app context exists.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            # ctxfix: verify
            times = current_app.config[setting]
            for attempt in range(1, times + 1):
                try:
                    return fn(*args, **kwargs)
                except ConnectionError:
                    if attempt == times:
                        raise

        return wrapper

    return decorate


@retry("MAIL_RETRIES")
def send_mail(to, subject):
    print(f"sent {subject!r} to {to}")
