from blog import db
from blog.models import Post


def test_publish_post(app):
    # ctxfix: verify

    db.session.add(Post(title="Hello"))
    db.session.commit()
    assert Post.query.count() == 1
