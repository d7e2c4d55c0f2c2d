from reports import monthly_total


def test_monthly_total(app):
    app.config["VAT"] = 0.0
    app.app_context().push()  # a second context, never popped
    assert monthly_total([10, 20]) == 30.0
