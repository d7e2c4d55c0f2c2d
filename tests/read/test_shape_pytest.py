"""pytest's failure reports. Written for these tests after what pytest 8 prints; the captured
runs of the bundled examples (tests/tracebacks/) cover the same forms for real."""

from __future__ import annotations

LONG = """
==================================== ERRORS ====================================
________________________ ERROR at setup of test_set_name ________________________

request = <SubRequest '_transaction' for <Function test_set_name>>
_db = <SQLAlchemy engine=None>

    @pytest.fixture
    def _transaction(request, _db):
        '''A transaction per test.'''
>       connection = _db.engine.connect()

tests/conftest.py:31:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
E   RuntimeError: No application found. Either work inside a view function or push an application context.
=========================== short test summary info ============================
ERROR tests/test_user.py::test_set_name - RuntimeError: No application found...
"""


def test_long_form_sections_arguments_excerpt_source_location_and_e_lines(read):
    r = read(LONG)
    tb = r.one
    assert r.shape_of(1) == "pytest-section" and r.shape_of(2) == "pytest-section"
    assert r.shape_of(4) == "pytest-argument" and r.shape_of(5) == "pytest-argument"
    assert r.shape_of(10) == "pytest-source"
    assert r.shape_of(12) == "pytest-location"
    assert r.shape_of(14) == "pytest-e"
    assert tb.frames[0].function == "_transaction"
    assert tb.frames[0].code == "connection = _db.engine.connect()"
    assert "_db = <SQLAlchemy engine=None>" in tb.context
    assert tb.exc_type == "RuntimeError"


def test_the_summary_line_of_a_failure_already_read_adds_nothing(read):
    assert len(read(LONG).records) == 1
    r = read(
        "ERROR tests/test_user.py::test_set_name - RuntimeError: Working outside of application context."
    )
    assert r.shape_of(1) == "pytest-section" and r.one.shape == "pytest-summary"


def test_def_lines_name_the_function_of_a_location_line(read):
    r = read(
        """
        ______________________________ test_total ______________________________

            def test_total():
        >       assert totals() == 3

        tests/test_shop.py:9:
        _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

            def totals():
        >       return current_app.config["TOTAL"]

        shop/report.py:4:
        _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
        E   RuntimeError: Working outside of application context.
        """
    )
    tb = r.one
    assert "pytest-def" not in r.shapes.values()  # it remembers, it never claims a line
    assert [f.function for f in tb.frames] == ["test_total", "totals"]


def test_long_excerpts_of_library_code_do_not_end_the_failure(read):
    r = read(
        """
        ______________________________ test_total ______________________________

            def test_total():
        >       assert totals() == 3

        tests/test_shop.py:9:
        _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

            def _get_current_object(self):
                '''Return the current object.'''
                if not hasattr(self.__local, "__release_local__"):
        >           return self.__local()

        venv/lib/python3.8/site-packages/werkzeug/local.py:306:
        E   RuntimeError: Working outside of application context.
        """
    )
    assert r.shape_of(10) == "pytest-excerpt"
    assert len(r.one.frames) == 2


def test_short_and_line_forms(read):
    r = read(
        """
        tests/test_shop.py:9: in test_total
            assert totals() == 3
        shop/report.py:4: in totals
            return current_app.config["TOTAL"]
        E   RuntimeError: Working outside of application context.
        """
    )
    assert r.shape_of(1) == "pytest-location"
    assert [f.code for f in r.one.frames] == [
        "assert totals() == 3",
        'return current_app.config["TOTAL"]',
    ]
    line = read("/srv/tests/test_shop.py:9: RuntimeError: Working outside of application context.")
    assert line.shape_of(1) == "pytest-line" and line.one.frames[0].line == 9


def test_the_long_form_under_a_log_prefix_and_indented(read):
    for prefix in ("web_1  | ", "    "):
        r = read("\n".join(prefix + line for line in LONG.strip("\n").splitlines()))
        tb = r.one
        assert tb.frames[0].code == "connection = _db.engine.connect()", prefix
        assert "_db = <SQLAlchemy engine=None>" in tb.context, prefix


def test_a_long_form_chain_is_one_failure(read):
    r = read(
        """
        ______________________________ test_publish ______________________________

        self = <sqlalchemy.util._collections.ScopedRegistry object at 0x7f>

            def __call__(self):
        >       return self.registry[key]
        E       KeyError: 140273219880768

        venv/lib/python3.10/site-packages/sqlalchemy/util/_collections.py:1008: KeyError

        During handling of the above exception, another exception occurred:

            def test_publish():
        >       db.session.add(Post(title="Hello"))

        tests/test_posts.py:6:
        _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
        E       RuntimeError: No application found. Either work inside a view function or push an application context.

        venv/lib/python3.10/site-packages/flask_sqlalchemy/__init__.py:1042: RuntimeError
        """
    )
    tb = r.one
    assert r.shape_of(10) == "pytest-trailer"
    assert [t for t, _, _ in tb.chain] == ["KeyError"]
    assert tb.exc_type == "RuntimeError" and tb.frames[0].function == "test_publish"


# Written for this test after what pytest 7.2+ prints with CI=true (and 8.2+ with -vv): the
# short summary carries the whole message, Flask's explanation and its blank line included.
CI_SUMMARY = """
=========================== short test summary info ============================
FAILED tests/test_books.py::test_add_books - RuntimeError: Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.
FAILED tests/test_books.py::test_count - RuntimeError: Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.
2 failed in 0.91s
"""


def test_a_whole_message_in_the_short_summary_is_one_error_per_line_not_two(read):
    r = read(CI_SUMMARY)
    assert [tb.shape for tb in r.records] == ["pytest-summary"]  # the second is seen already
    assert r.shape_of(4) == "pytest-summary-tail" and r.shape_of(6) == "pytest-summary-tail"
    assert r.shape_of(7) == "pytest-section"
    assert r.records[0].message == "Working outside of application context"


def test_a_traceback_after_a_whole_summary_message_is_read_as_its_own(read):
    r = read(
        CI_SUMMARY.replace("2 failed in 0.91s", "")
        + """Traceback (most recent call last):
  File "/srv/app/jobs.py", line 4, in run
    current_app.logger.info("x")
KeyError: 'x'
"""
    )
    assert [tb.shape for tb in r.records] == ["pytest-summary", "python"]
    assert r.records[1].frames[0].path == "/srv/app/jobs.py"
