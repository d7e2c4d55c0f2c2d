from catalog.paging import page_window


def test_second_page(app):
    assert page_window() == (10, 10)
