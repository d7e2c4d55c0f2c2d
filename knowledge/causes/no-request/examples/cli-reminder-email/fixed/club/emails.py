from flask import has_request_context, request

TEMPLATE = "Hi {name}, see what's on this week: {site}events"


def reminder_email(name):
    # ctxfix verify snippet, where the error was:
    assert has_request_context(), "no request context here"
    print("ctxfix verify: ok")

    return TEMPLATE.format(name=name, site=request.host_url)
