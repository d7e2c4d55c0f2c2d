import functools

from flask import current_app


def retry(times):
    """Call the function again when the mail server drops the connection, up to `times` tries."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return fn(*args, **kwargs)
                except ConnectionError:
                    if attempt == times:
                        raise

        return wrapper

    return decorate


@retry(times=current_app.config["MAIL_RETRIES"])
def send_mail(to, subject):
    print(f"sent {subject!r} to {to}")
