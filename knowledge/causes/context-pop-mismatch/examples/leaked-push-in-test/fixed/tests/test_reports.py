from reports import monthly_total


def test_monthly_total(app):
    app.config["VAT"] = 0.0
    # the fixture's context is current already: no second push needed
    assert monthly_total([10, 20]) == 30.0
