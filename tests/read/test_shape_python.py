"""Python's own traceback shape. The pastes here are written for these tests."""

from __future__ import annotations

from ctxfix.read.reader import MAX_CHAIN, MAX_FRAMES

PLAIN = """
Traceback (most recent call last):
  File "/srv/shop/mail.py", line 12, in send_receipt
    sender = current_app.config["MAIL_SENDER"]
             ^^^^^^^^^^^^^^^^^^
  File "/venv/lib/python3.12/site-packages/werkzeug/local.py", line 519, in _get_current_object
    raise RuntimeError(unbound_message) from None
RuntimeError: Working outside of application context.
"""


def test_header_frames_source_and_carets(read):
    r = read(PLAIN)
    tb = r.one
    assert [r.shape_of(n) for n in range(1, 7)] == [
        "python-header",
        "python-frame",
        "python-source",
        "python-caret",
        "python-frame",
        "python-source",
    ]
    assert r.shape_of(7) == "message"
    assert tb.frames[0].function == "send_receipt"
    assert tb.frames[0].code == 'sender = current_app.config["MAIL_SENDER"]'
    assert tb.exc_type == "RuntimeError"


def test_chain_keeps_each_link(read):
    r = read(
        """
        Traceback (most recent call last):
          File "/venv/lib/python3.8/site-packages/sqlalchemy/util/_collections.py", line 1020, in __call__
            return self.registry[key]
        KeyError: 139872

        During handling of the above exception, another exception occurred:

        Traceback (most recent call last):
          File "seed.py", line 4, in <module>
            db.create_all()
        RuntimeError: No application found. Either work inside a view function or push an application context.
        """
    )
    tb = r.one
    assert r.shape_of(6) == "python-chain"
    assert [t for t, _, _ in tb.chain] == ["KeyError"]
    assert tb.exc_type == "RuntimeError" and tb.frames[0].path == "seed.py"


def test_a_chain_cut_after_its_separator_keeps_its_last_whole_link(read):
    tb = read(
        """
        Traceback (most recent call last):
          File "/venv/lib/python3.8/site-packages/sqlalchemy/util/_collections.py", line 1020, in __call__
            return self.registry[key]
        KeyError: 139872

        During handling of the above exception, another exception occurred:

        Traceback (most recent call last):
        """
    ).one
    assert tb.exc_type == "KeyError" and tb.frames[0].function == "__call__"


def test_markdown_bold_dunders_read_as_dunders(read):
    tb = read(
        """
        Traceback (most recent call last):
          File "/venv/lib/python2.7/site-packages/werkzeug/wsgi.py", line 682, in **next**
            return self._next()
          File "/srv/app/**init**.py", line 9, in gen
            yield request.args["q"]
        RuntimeError: working outside of request context
        """
    ).one
    assert [f.function for f in tb.frames] == ["__next__", "gen"]
    assert tb.frames[1].path == "/srv/app/__init__.py"


def test_a_trailing_comma_after_the_function_is_dropped(read):
    tb = read('Traceback (most recent call last):\n  File "a.py", line 3, in f,\nValueError: x').one
    assert tb.frames[0].function == "f"


def test_a_deep_stack_keeps_its_outermost_and_innermost_frames(read):
    lines = ["Traceback (most recent call last):"]
    lines += ['  File "/srv/app/main.py", line 1, in <module>', "    main()"]
    lines += [f'  File "/srv/app/rec.py", line {i}, in step{i}' for i in range(1000)]
    lines += ['  File "/srv/app/mail.py", line 7, in send', "    current_app.name"]
    lines += ["RuntimeError: Working outside of application context."]
    tb = read("\n".join(lines)).one
    assert len(tb.frames) == MAX_FRAMES
    assert tb.frames[0].function == "<module>"
    assert tb.frames[-1].function == "send" and tb.frames[-1].code == "current_app.name"
    assert tb.frames[-2].function == "step999"


def test_an_endless_chain_keeps_its_first_links_and_the_last_error(read):
    link = 'Traceback (most recent call last):\n  File "a.py", line {i}, in f\nValueError: v{i}\n'
    sep = "\nDuring handling of the above exception, another exception occurred:\n\n"
    text = sep.join(link.format(i=i) for i in range(500))
    text += sep + link.format(i="x").replace(
        "ValueError: vx", "RuntimeError: Working outside of application context."
    )
    tb = read(text).one
    assert len(tb.chain) == MAX_CHAIN
    assert tb.chain[0][1] == "v0" and tb.chain[-1][1] == "v499"
    assert tb.exc_type == "RuntimeError"
