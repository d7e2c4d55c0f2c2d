from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["MAIL_RETRIES"] = 3
    app.config["DIGEST_RECIPIENTS"] = ["ada@example.com", "grace@example.com"]

    from newsletter.digest import bp

    app.register_blueprint(bp)
    return app
