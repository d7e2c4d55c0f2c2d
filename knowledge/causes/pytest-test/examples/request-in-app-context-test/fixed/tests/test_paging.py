from flask import has_app_context, request

from catalog.paging import page_window


def test_second_page(app):
    with app.test_request_context("/products?page=2"):
        assert request.args["page"] == "2"
        # ctxfix verify snippet, where the error was:
        assert has_app_context(), "this test or fixture runs without an application context"
        print("ctxfix verify: ok")

        assert page_window() == (10, 10)
