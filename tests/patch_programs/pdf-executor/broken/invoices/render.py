"""PDF rendering. It is CPU-bound, so the views run it off the event loop."""

import hashlib

from flask import current_app


def render_pdf(invoice_id, lines):
    dpi = current_app.config["PDF_DPI"]
    body = "\n".join(f"{name}: {amount:.2f}" for name, amount in lines)
    digest = hashlib.sha1(f"{dpi}:{body}".encode()).hexdigest()[:10]
    return f"{current_app.config['PDF_PREFIX']}-{invoice_id}-{digest}.pdf"
