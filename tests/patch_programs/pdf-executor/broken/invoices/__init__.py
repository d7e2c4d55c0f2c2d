from flask import Flask


def create_app(config=None):
    app = Flask(__name__)
    app.config.from_mapping(PDF_DPI=150, PDF_PREFIX="invoice")
    app.config.update(config or {})

    from invoices.views import bp

    app.register_blueprint(bp, url_prefix="/invoices")
    return app
