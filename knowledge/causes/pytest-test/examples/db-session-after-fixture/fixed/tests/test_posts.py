from flask import has_app_context

from blog import db
from blog.models import Post


def test_publish_post(app):
    # ctxfix verify snippet, where the error was:
    assert has_app_context(), "this test or fixture runs without an application context"
    print("ctxfix verify: ok")

    db.session.add(Post(title="Hello"))
    db.session.commit()
    assert Post.query.count() == 1
