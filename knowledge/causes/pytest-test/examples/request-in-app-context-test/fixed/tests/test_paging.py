from flask import request

from catalog.paging import page_window


def test_second_page(app):
    with app.test_request_context("/products?page=2"):
        assert request.args["page"] == "2"
        assert page_window() == (10, 10)
