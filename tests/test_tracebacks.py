"""The traceback reader, one shape at a time.

Inputs under tests/shapes/ are written by hand, each modelled on one way people paste or log
tracebacks (the file name says which); small inline inputs model single-line damage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctxfix.engine import explain_text
from ctxfix.read import (
    Traceback,
    TracebackReader,
    clean_line,
    is_library_path,
    read_tracebacks,
)

SHAPES = Path(__file__).parent / "shapes"
BARE = re.compile(r"working outside of (?:the )?(?:application|request) context", re.I)


def read(text: str) -> list[Traceback]:
    return list(read_tracebacks(text.splitlines(), BARE))


def shape(name: str) -> str:
    return (SHAPES / name).read_text(encoding="utf-8", errors="replace")


# Each row: file, exception type, first words of the message, innermost frame path (or None),
# frame count. One record each: the shapes must not split one error into two.
CASES = [
    (
        "celery_repr_then_traceback.txt",
        "RuntimeError",
        "Working outside of application",
        "local.py",
        5,
    ),
    ("journald_every_line.txt", "RuntimeError", "Working outside of application", "local.py", 5),
    ("docker_compose.txt", "RuntimeError", "Working outside of application", "local.py", 6),
    ("markdown_quoted_fenced.txt", "RuntimeError", "Working outside of application", "local.py", 5),
    ("indented_four_spaces.txt", "RuntimeError", "No application found", "__init__.py", 4),
    ("pytest_short.txt", "RuntimeError", "Working outside of application", "local.py", 4),
    (
        "pytest_long_setup_error.txt",
        "RuntimeError",
        "Working outside of application",
        "local.py",
        2,
    ),
    ("unittest_error.txt", "RuntimeError", "Working outside of application", "local.py", 4),
    ("sentry_message_first.txt", "RuntimeError", "Working outside of request", "local.py", 4),
    ("chained_direct_cause.txt", "RuntimeError", "Working outside of application", "local.py", 4),
    ("python27_thread.txt", "RuntimeError", "working outside of application", "globals.py", 7),
    ("ansi_crlf_tabs.txt", "RuntimeError", "Working outside of application", "local.py", 5),
    ("reversed_newest_first.txt", "RuntimeError", "Working outside of application", "local.py", 4),
    ("timestamps_own_lines.txt", "RuntimeError", "Working outside of application", "local.py", 3),
    ("werkzeug_error_on_request.txt", "RuntimeError", "Working outside of request", "local.py", 7),
    ("elided_snip.txt", "RuntimeError", "Working outside of application", "local.py", 3),
]


@pytest.mark.parametrize(("name", "exc", "message", "innermost", "frames"), CASES)
def test_shape_is_read_as_one_record(
    name: str, exc: str, message: str, innermost: str, frames: int
) -> None:
    records = read(shape(name))
    assert len(records) == 1, [(r.exc_type, r.first_message_line) for r in records]
    tb = records[0]
    assert tb.exc_type == exc
    assert tb.first_message_line.startswith(message)
    assert len(tb.frames) == frames
    assert tb.frames[-1].path.replace("\\", "/").endswith(innermost)
    assert 1 <= tb.start_line <= tb.end_line


def test_log_prefix_on_every_line_keeps_code_lines() -> None:
    """journald: the learnt prefix comes off code lines as well as frame lines."""
    tb = read(shape("journald_every_line.txt"))[0]
    assert tb.frames[2].code == 'url = current_app.config["RATES_URL"]'
    assert "Exception in thread Thread-4 (refresh_rates):" in tb.context
    assert tb.message.startswith("Working outside of application context.\n\nThis typically")


def test_celery_repr_line_and_traceback_are_one_occurrence() -> None:
    tb = read(shape("celery_repr_then_traceback.txt"))[0]
    assert tb.start_line == 2  # the repr log line
    assert any("raised unexpected" in c for c in tb.context)
    assert tb.message.startswith("Working outside of application context.\n\nThis typically")


def test_reversed_paste_is_read_the_right_way_round() -> None:
    tb = read(shape("reversed_newest_first.txt"))[0]
    assert tb.reversed
    assert [f.function for f in tb.frames] == [
        "<module>",
        "fetch_prices",
        "__get__",
        "_get_current_object",
    ]
    assert tb.frames[1].code == 'key = current_app.config["API_KEY"]'
    assert (tb.start_line, tb.end_line) == (5, 14)


def test_exception_line_then_frames_in_order_is_not_taken_for_reversed() -> None:
    """Sentry shape: message first, frames oldest first, each code line under its frame."""
    tb = read(shape("sentry_message_first.txt"))[0]
    assert not tb.reversed
    assert tb.frames[1].code == "ip = request.remote_addr"


def test_markdown_damage_is_undone() -> None:
    tb = read(shape("markdown_quoted_fenced.txt"))[0]
    assert tb.frames[0].function == "<module>"  # &lt;module&gt; unescaped
    assert tb.first_message_line == "Working outside of application context."  # ** gone


def test_chain_keeps_the_earlier_exception() -> None:
    tb = read(shape("chained_direct_cause.txt"))[0]
    assert [(t, m) for t, m, _ in tb.chain] == [("KeyError", "'greeting'")]
    assert tb.exc_type == "RuntimeError"


def test_pytest_long_form_recovers_frames_from_source_and_location_lines() -> None:
    tb = read(shape("pytest_long_setup_error.txt"))[0]
    assert tb.shape == "pytest"
    assert (tb.frames[0].path, tb.frames[0].line) == ("tests/conftest.py", 14)
    assert tb.frames[0].function == "user"
    assert tb.frames[0].code == "return User.query.first()"
    assert "ERROR at setup of test_home" in " ".join(tb.context)


def test_pytest_summary_line_repeats_a_failure_already_read() -> None:
    assert len(read(shape("pytest_short.txt"))) == 1
    alone = read(shape("pytest_summary_only.txt"))
    assert len(alone) == 1
    assert alone[0].shape == "pytest-summary"
    assert alone[0].context[-1].startswith("FAILED tests/test_mail.py::test_welcome_mail")


def test_unittest_divider_ends_the_message() -> None:
    tb = read(shape("unittest_error.txt"))[0]
    assert "Ran 2 tests" not in tb.message
    assert tb.message.endswith("See the documentation for more information.")


def test_time_stamps_on_lines_of_their_own_are_skipped() -> None:
    tb = read(shape("timestamps_own_lines.txt"))[0]
    assert tb.frames[0].code == 'user = load_user(job["user_id"])'


def test_program_names_on_lines_of_their_own_are_skipped() -> None:
    base = shape("chained_direct_cause.txt").split("\n\n", 2)[2]  # the second traceback
    text = "\n".join(f"api-worker\n{line}" for line in base.splitlines())
    tb = read(text)[0]
    assert [f.code for f in tb.frames][:2] == [
        'print(lookup("greeting"))',
        "return current_app.config[key]",
    ]


@pytest.mark.parametrize(
    ("text", "exc", "message"),
    [
        ("RuntimeError: There is no request in this context.", "RuntimeError", "There is no"),
        ("working outside of request context", None, "working outside of request context"),
        ("RuntimeError('working outside of request context')", "RuntimeError", "working outside"),
        ("[1490788127700] Working outside of application context.", None, "Working outside"),
    ],
    ids=["flask-3.2-message", "flask-0.10-bare-lowercase", "repr-line", "epoch-prefixed-bare"],
)
def test_message_without_frames(text: str, exc: str | None, message: str) -> None:
    (tb,) = read(text)
    assert tb.exc_type == exc
    assert tb.message.startswith(message)
    assert tb.frames == []


def test_caret_lines_of_311_and_none_of_38_read_the_same() -> None:
    with_carets = shape("docker_compose.txt")
    without = "\n".join(line for line in with_carets.splitlines() if "^^^" not in line)
    a, b = read(with_carets)[0], read(without)[0]
    assert a.frames == b.frames


def test_missing_final_line_is_marked_truncated() -> None:
    text = "\n".join(shape("docker_compose.txt").splitlines()[1:-2])
    (tb,) = read(text)
    assert tb.truncated and tb.exc_type is None and len(tb.frames) == 6


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[1;31mRuntimeError\x1b[0m: x\r", "RuntimeError: x"),
        ("> > RuntimeError: x", "RuntimeError: x"),
        ("```python", ""),
        ("**RuntimeError: x**", "RuntimeError: x"),
        ("_RuntimeError: x_", "RuntimeError: x"),
        ("`RuntimeError: x`", "RuntimeError: x"),
        ("File &quot;a.py&quot;, line 1, in &lt;module&gt;", 'File "a.py", line 1, in <module>'),
        ("\tFile", "    File"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


@pytest.mark.parametrize(
    ("path", "library"),
    [
        ("/usr/lib/python3.10/threading.py", True),
        ("/srv/venv/lib/python3.11/site-packages/flask/app.py", True),
        ("/usr/local/lib/python2.7/dist-packages/werkzeug/local.py", True),
        ("C:\\Users\\a\\venv\\Lib\\site-packages\\flask\\app.py", True),
        ("<frozen importlib._bootstrap>", True),
        ("/home/a/project/app.py", False),
        ("<stdin>", False),
    ],
)
def test_is_library_path(path: str, library: bool) -> None:
    assert is_library_path(path) is library


def test_frames_and_message_are_capped() -> None:
    frame = '  File "/a/b.py", line 1, in f\n    f()\n'
    text = "Traceback (most recent call last):\n" + frame * 5000 + "RecursionError: deep\n"
    text += "\n".join(f"line {i}" for i in range(100))
    (tb,) = read(text)
    assert len(tb.frames) == 400 and tb.exc_type == "RecursionError"
    assert len(tb.message.splitlines()) <= 13


def test_skipping_lines_keeps_line_numbers() -> None:
    """What inputs.feed_stream does for big logs: lines with no anchor are counted, not fed."""
    reader = TracebackReader(BARE)
    assert reader.idle and "raceback" in reader.anchors
    reader.skip(1000)
    out = []
    for line in shape("docker_compose.txt").splitlines():
        out.extend(reader.feed(line))
    out.extend(reader.close())
    assert (out[0].start_line, out[0].end_line) == (1002, 1017)


def test_user_frame_choice_through_the_engine(kb) -> None:  # noqa: ANN001 - fixture
    (f,) = explain_text(shape("python27_thread.txt"), kb)
    assert f.location is not None and f.location.path == "/home/pi/cam/stream.py"
    assert any("dist-packages" in r or "standard library" in r for r in f.frame_reasons)


# -- where a message ends -------------------------------------------------------------------

CORPUS = Path(__file__).parent / "tracebacks"
FLASK_MESSAGE = (
    "Working outside of application context.\n\n"
    "This typically means that you attempted to use functionality that needed\n"
    "the current application. To solve this, set up an application context\n"
    "with app.app_context(). See the documentation for more information."
)
_FLASK_TB = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/tasks.py", line 5, in send_mail\n'
    '    sender = current_app.config["MAIL_SENDER"]\n'
    '  File "/srv/venv/lib/python3.12/site-packages/werkzeug/local.py", line 519, in '
    "_get_current_object\n"
    "    raise RuntimeError(unbound_message) from None\n"
    "RuntimeError: " + FLASK_MESSAGE + "\n"
)


@pytest.mark.parametrize(
    "after",
    [
        "\n12:43:00 Worker rq:worker:abc: done, quitting\n",
        "\njob 1234: failed\n",
        "job 1234: failed\n",
        "\n[2026-01-01 10:00:00,000: INFO/MainProcess] Task shop.mail[8f1c2d3e]: done\n",
        "Task shop.tasks.send_mail[8f1c2d3e-4b5a-11ee-9d2c-5a8b7e6f1d30]: FAILURE: oops\n",
        "\n>>> print(app.name)\nshop\n",
        "\nIn [4]: app.name\nOut[4]: 'shop'\n",
        "POST /signup -> 202\n",
        "\n$ flask --app shop routes\n",
        "\nINFO: worker stopped\n",
        "\nExiting.\n",
        "\n----------------------------------------------------------------------\nRan 2 tests\n",
    ],
    ids=[
        "rq-worker-log-after-blank",
        "job-status-after-blank",
        "job-status-right-after",
        "celery-log-after-blank",
        "celery-task-state-line",
        "python-repl-prompt",
        "ipython-prompt",
        "http-request-log-line",
        "shell-prompt",
        "level-prefixed-line",
        "one-word-line-after-blank",
        "unittest-footer",
    ],
)
def test_message_ends_where_the_next_output_starts(after: str) -> None:
    """Models what workers, shells and test runners print right after a traceback."""
    records = read(_FLASK_TB + after)
    assert records[0].message == FLASK_MESSAGE
    assert records[0].end_line == 10


def test_explanation_paragraph_after_one_blank_line_stays_in_the_message() -> None:
    """Models a library message of a first line, a blank line and a paragraph (Flask's)."""
    (tb,) = read(_FLASK_TB + "\n")
    assert tb.message == FLASK_MESSAGE


def test_worker_repeating_the_error_after_its_traceback_is_one_occurrence() -> None:
    """Models a task queue printing the task's FAILURE state with the exception's repr."""
    repr_line = "task 8f1c: FAILURE: RuntimeError('" + FLASK_MESSAGE.replace("\n", "\\n") + "')"
    records = read(_FLASK_TB + repr_line + "\n")
    assert len(records) == 1 and records[0].message == FLASK_MESSAGE


@pytest.mark.parametrize(
    "name",
    [
        "task-queue--rq-job.txt",
        "celery-task--flask-task-missing.txt",
        "celery-task--signal-handler.txt",
        "background-thread--thread-app-config.txt",
        "interactive-shell--python-i-session.txt",
    ],
)
def test_real_worker_and_shell_output_after_the_message_is_left_out(name: str) -> None:
    """Real output (tests/tracebacks/flask-3.1.3): the message is Flask's, nothing after it."""
    records = read((CORPUS / "flask-3.1.3" / name).read_text(encoding="utf-8"))
    flask_errors = [r for r in records if r.message.startswith("Working outside")]
    assert flask_errors
    assert all(r.message == FLASK_MESSAGE for r in flask_errors)
    if name.startswith("celery"):
        assert len(records) == 1  # the FAILURE/SUCCESS line after it is not a second error


def test_messages_in_the_whole_corpus_end_with_their_sentence() -> None:
    """Every message the examples really printed ends at its full stop, under every version."""
    for path in sorted(CORPUS.glob("flask-*/*--*.txt")):
        for tb in read(path.read_text(encoding="utf-8")):
            if tb.exc_type == "RuntimeError":
                assert tb.message.endswith("."), (path, tb.message[-200:])
                assert len(tb.message.splitlines()) <= 6, (path, tb.message)


# -- pytest forms ---------------------------------------------------------------------------


def test_pytest_short_form_keeps_each_frames_source_line() -> None:
    """Models pytest --tb=short: the source line sits under `path:N: in func`."""
    text = (
        "_________________________ test_price _________________________\n"
        "tests/test_pricing.py:7: in test_price\n"
        "    assert price_with_tax(100) == 125.0\n"
        "shop/pricing.py:5: in price_with_tax\n"
        '    rate = current_app.config["TAX_RATE"]\n'
        "           ^^^^^^^^^^^^^^^^^^\n"
        "venv/lib/python3.12/site-packages/werkzeug/local.py:519: in _get_current_object\n"
        "    raise RuntimeError(unbound_message) from None\n"
        "E   RuntimeError: Working outside of application context.\n"
    )
    (tb,) = read(text)
    assert [f.code for f in tb.frames] == [
        "assert price_with_tax(100) == 125.0",
        'rate = current_app.config["TAX_RATE"]',
        "raise RuntimeError(unbound_message) from None",
    ]
    assert tb.exc_type == "RuntimeError"


def test_real_pytest_short_and_long_forms_give_every_frame_its_code() -> None:
    paths = sorted(CORPUS.glob("flask-*/pytest-test--current-app-in-test--tb-short.txt"))
    paths += sorted(CORPUS.glob("flask-*/pytest-test--current-app-in-test.txt"))
    assert paths
    for path in paths:
        (tb,) = read(path.read_text(encoding="utf-8"))
        assert all(f.code for f in tb.frames), (path, tb.frames)
        assert any("current_app" in f.code for f in tb.frames), path


def test_pytest_long_form_reads_through_a_long_library_excerpt() -> None:
    """Models pytest --tb=long printing a whole library function (docstring, nested example
    defs and all) before the raising line."""
    docstring = "\n".join(f"        line {i} of the docstring" for i in range(300))
    text = (
        "_________________________ test_reset_link _________________________\n\n"
        "    def test_reset_link():\n"
        '>       assert url_for("reset", token="abc") == "/reset/abc"\n\n'
        "tests/test_reset.py:6: \n"
        "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _\n\n"
        "endpoint = 'reset', values = {'token': 'abc'}\n\n"
        "    def url_for(endpoint, **values):\n"
        '        """Build a URL.\n\n'
        "        ValueError: not an exception line, a docstring\n"
        "            def external_url_handler(error, endpoint, values):\n"
        f"{docstring}\n"
        '        """\n'
        "        if appctx is None:\n"
        ">           raise RuntimeError(\n"
        '                "Attempted to generate a URL without the application context"\n'
        "            )\n"
        "E           RuntimeError: Attempted to generate a URL without the application context\n\n"
        "venv/lib/python3.9/site-packages/flask/helpers.py:274: RuntimeError\n"
    )
    (tb,) = read(text)
    assert tb.exc_type == "RuntimeError"
    assert [(f.path, f.function) for f in tb.frames] == [
        ("tests/test_reset.py", "test_reset_link"),
        ("venv/lib/python3.9/site-packages/flask/helpers.py", "url_for"),
    ]


@pytest.mark.parametrize("version", ["flask-1.1.4", "flask-2.0.3", "flask-2.1.3"])
def test_real_pytest_long_form_with_url_for_source_is_one_finding(kb, version: str) -> None:  # noqa: ANN001
    path = CORPUS / version / "pytest-test--pytest-flask-client.txt"
    (f,) = explain_text(path.read_text(encoding="utf-8"), kb)
    assert f.message.startswith("Attempted to generate") and not f.truncated


# -- IPython ----------------------------------------------------------------------------------
# ipython8_*, ipython84_* and ipython9_* are real sessions (IPython 8.39, 8.4 and 9.18 with
# Flask 3.1 and Flask-SQLAlchemy 3.1, machine paths replaced); ipython7_notebook_cell.txt is
# written by hand, modelled on IPython 7's format (no line numbers on frame lines).


@pytest.mark.parametrize(
    ("name", "cells", "innermost_user"),
    [
        ("ipython9_session_no_colour.txt", ["Cell In[3]", "Cell In[5]"], "~/shop.py"),
        ("ipython8_colour_sqlalchemy.txt", ["Cell In[4]", "Cell In[5]"], "Cell In[4]"),
        ("ipython84_input_in_cell.txt", ["Input In [3]"], "~/shop.py"),
        ("ipython7_notebook_cell.txt", ["<ipython-input-4-5f3c2b1a9d8e>"], "~/shop/shop.py"),
    ],
)
def test_ipython_tracebacks_are_read(name: str, cells: list[str], innermost_user: str) -> None:
    records = read(shape(name))
    assert [r.frames[0].path for r in records] == cells
    for tb in records:
        assert tb.exc_type == "RuntimeError"
        assert tb.first_message_line == "Working outside of application context."
        assert "In [" not in tb.message  # the next prompt is not part of it
        assert tb.frames[0].function == "<module>"
        assert all(f.code and f.line for f in tb.frames), tb.frames
        assert tb.frames[-1].function in ("_get_current_object", "_find_app")
    user = [f for f in records[0].frames if not is_library_path(f.path)]
    assert user[-1].path == innermost_user


def test_ipython_frame_keeps_its_source_line_and_python_function_name() -> None:
    tb = read(shape("ipython8_colour_sqlalchemy.txt"))[0]
    assert tb.frames[0].code == "db.session.add(x)"
    assert [f.function for f in tb.frames[1:3]] == ["add", "_proxied"]  # not qualified names
    tb = read(shape("ipython84_input_in_cell.txt"))[0]
    assert (tb.frames[1].path, tb.frames[1].line, tb.frames[1].function) == (
        "Input In [2]",
        5,
        "f",
    )


def test_ipython_chain_is_one_record_with_its_cause() -> None:
    first, second = read(shape("ipython9_chained.txt"))
    assert first.first_message_line.startswith("Working outside")
    assert second.exc_type == "RuntimeError" and second.message == "boom"
    assert [(t, m) for t, m, _ in second.chain] == [("KeyError", "'x'")]
    assert [f.path for f in second.frames] == ["Cell In[5]", "Cell In[4]"]


def test_ipython_cell_is_your_interactive_frame(kb) -> None:  # noqa: ANN001 - fixture
    found = explain_text(shape("ipython8_colour_sqlalchemy.txt"), kb)
    assert found[0].location is not None and found[0].location.path == "Cell In[4]"
    assert found[0].cause_id == "interactive-shell"


def test_message_ends_at_unittest_summary_and_coloured_prompt() -> None:
    """Models unittest's footer without its divider, and Python 3.13's coloured REPL prompt."""
    (tb,) = read(_FLASK_TB + "Ran 2 tests in 0.004s\n\nFAILED (errors=1)\n")
    assert tb.message == FLASK_MESSAGE
    (tb,) = read(_FLASK_TB + "\x1b[1;35m>>> \x1b[0mapp.name\n")
    assert tb.message == FLASK_MESSAGE
