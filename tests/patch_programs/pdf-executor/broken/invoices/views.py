import asyncio
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, jsonify, request

from invoices.render import render_pdf

bp = Blueprint("invoices", __name__)
# Two renderers at most, whatever the number of requests.
renderers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf")


@bp.post("/<int:invoice_id>/pdf")
async def make_pdf(invoice_id):
    lines = [(line["name"], line["amount"]) for line in request.get_json()["lines"]]
    loop = asyncio.get_running_loop()
    filename = await loop.run_in_executor(renderers, render_pdf, invoice_id, lines)
    return jsonify(file=filename), 201
