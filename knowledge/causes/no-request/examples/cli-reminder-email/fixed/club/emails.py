from flask import request

TEMPLATE = "Hi {name}, see what's on this week: {site}events"


def reminder_email(name):
    # ctxfix: verify

    return TEMPLATE.format(name=name, site=request.host_url)
