from flask import request

TEMPLATE = "Hi {name}, see what's on this week: {site}events"


def reminder_email(name):
    # Written for the signup view, where a request exists; reused by a CLI command below.
    return TEMPLATE.format(name=name, site=request.host_url)
