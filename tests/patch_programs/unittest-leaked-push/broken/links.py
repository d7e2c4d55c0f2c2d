from flask import Flask, current_app, url_for


def create_app(server_name=None):
    app = Flask(__name__)
    app.config.update(SHARE_SOURCE="newsletter", SERVER_NAME=server_name or "localhost")

    @app.route("/articles/<slug>")
    def article(slug):
        return slug

    return app


def share_link(slug):
    """The article's absolute link, tagged with where it is shared."""
    source = current_app.config["SHARE_SOURCE"]
    return url_for("article", slug=slug, utm_source=source, _external=True)
