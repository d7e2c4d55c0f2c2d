"""The engine on data: families, frames, proxies, evidence, the tree and templates."""

from __future__ import annotations

from ctxfix import engine
from ctxfix.read import Frame, Traceback


def tb(message: str, frames: list[Frame] = (), exc_type: str = "RuntimeError", **kw) -> Traceback:
    return Traceback(frames=list(frames), exc_type=exc_type, message=message, **kw)


def test_families_from_the_first_line_of_each_message(kb):
    cases = {
        "Working outside of application context.": "app-context",
        "working outside of application context": "app-context",
        "Working outside of request context.\n\nThis typically means": "request-context",
        "There is no request in this context.": "request-context",
        "No application found. Either work inside a view function or push an application "
        "context.": "sqlalchemy-no-app",
        "Unable to build URLs outside an active request without 'SERVER_NAME'.": "url-adapter",
        "Application was not able to create a URL adapter for request independent URL "
        "generation.": "url-adapter",
        "Attempted to generate a URL without the application context being pushed.": "app-context",
        # issue 12's families: Quart 0.18-0.22 (quart/globals.py), 0.6-0.17's _ctx_lookup, the
        # context stack's own errors (flask/ctx.py, contextvars) and Flask-SocketIO's emit()
        "Not within an app context": "quart-app-context",
        "Attempt to access g outside of a relevant context": "quart-app-context",
        "Not within a request nor websocket context": "quart-request-context",
        "Attempt to access websocket outside of a relevant context": "quart-websocket-context",
        "Popped wrong app context.  (<flask.ctx.AppContext object at 0x7f2a> instead of <flask."
        "ctx.AppContext object at 0x7f3c>)": "context-pop",
        "<ContextVar name='flask.app_ctx' at 0x7f5de1a91170>": "context-pop",
        "'Request' object has no attribute 'sid'": "socketio-context",
    }
    for message, family in cases.items():
        assert engine.detect_family(tb(message), kb)[0] == family, message


def test_close_relatives_are_not_context_errors(kb):
    for message in (
        "The session is unavailable because no secret key was set.",
        "<ContextVar name='request_id' at 0x7f5de1a91170>",
        "'Request' object has no attribute 'user_id'",
        "cannot schedule new futures after interpreter shutdown",
        "'NoneType' object has no attribute 'is_authenticated'",
    ):
        assert engine.detect_family(tb(message), kb)[0] is None


def test_old_render_template_attribute_error_is_app_context(kb):
    frames = [Frame("/srv/site-packages/flask/templating.py", 126, "render_template")]
    t = tb("'NoneType' object has no attribute 'app'", frames, exc_type="AttributeError")
    assert engine.detect_family(t, kb)[0] == "app-context"


def test_user_frame_skips_libraries_and_stdlib(kb):
    frames = [
        Frame("/usr/lib/python3.11/threading.py", 1010, "_bootstrap_inner", "self.run()"),
        Frame("/home/ana/shop/mail.py", 12, "send", "current_app.logger.info('x')"),
        Frame("/venv/lib/python3.11/site-packages/werkzeug/local.py", 318, "__get__"),
    ]
    f = engine.diagnose(kb, tb("Working outside of application context.", frames))
    assert f is not None
    assert f.location is not None and f.location.function == "send"
    assert f.proxy == "current_app"
    assert f.cause_id == "background-thread"
    assert any("threading.Thread" in e for e in f.evidence)
    assert any("skipped" in r for r in f.frame_reasons)


def test_project_root_claims_frames_inside_site_packages(kb):
    frames = [
        Frame("/venv/lib/python3.11/site-packages/shop/jobs.py", 5, "nightly", "g.count = 1"),
        Frame("/venv/lib/python3.11/site-packages/werkzeug/local.py", 318, "__get__"),
    ]
    t = tb("Working outside of application context.", frames)
    assert engine.diagnose(kb, t).location.function == "nightly"
    f = engine.diagnose(kb, t, project_root="/venv/lib/python3.11/site-packages/shop")
    assert f.location.function == "nightly"
    assert any("--project-root" in r for r in f.frame_reasons)


def test_message_only_leaves_cause_open_with_a_question(kb):
    f = engine.diagnose(kb, tb("Working outside of application context.", shape="message"))
    assert f.cause is None
    assert f.pending == "where"
    assert "celery-task" in f.candidates


def test_reconsider_with_answers_settles_cause_and_variant(kb):
    f = engine.diagnose(kb, tb("Working outside of application context.", shape="message"))
    settled = engine.reconsider(kb, f, {"where": "celery-task", "celery-version": "context-task"})
    assert settled.cause_id == "celery-task"
    assert settled.variant == "context-task"
    assert settled.pending is None


def test_walk_answers_first_question_from_family(kb):
    w = engine.walk(kb, "url-adapter")
    assert w.cause == "url-for-no-server-name"
    assert w.answered[0][2] == "the error message"


def test_cut_off_traceback_needs_flask_evidence(kb):
    plain = Traceback(frames=[Frame("/home/ana/tool.py", 3, "<module>", "main()")], truncated=True)
    assert engine.diagnose(kb, plain) is None
    streaming = Traceback(
        frames=[
            Frame("/venv/lib/python3.11/site-packages/werkzeug/wsgi.py", 256, "__next__"),
            Frame("/home/ana/shop/views.py", 30, "generate", "yield request.args['q']"),
        ],
        truncated=True,
    )
    f = engine.diagnose(kb, streaming)
    assert f is not None and f.cause_id == "streaming-response"
    assert f.family == "request-context"


def test_flask_version_read_from_message_and_frames(kb):
    old = tb(
        "Working outside of application context.\n\nThis typically means that you attempted to "
        "use functionality that needed\nto interface with the current application object in "
        "some way. To solve",
    )
    assert engine.diagnose(kb, old).flask_version == "1.0-2.1"
    new = tb("There is no request in this context.")
    assert engine.diagnose(kb, new).flask_version == "3.2"


def test_quart_errors_name_no_flask_version(kb):
    # Quart 0.18+ raises through the same Werkzeug proxy as Flask 2.2+, which says nothing of
    # the Flask version (tests/tracebacks/quart-0.18.4 runs Flask 2.2.5 beside Quart)
    frames = [
        Frame("/srv/q/search.py", 11, "search_terms", 'request.args.get("q")'),
        Frame(
            "/venv/site-packages/werkzeug/local.py",
            519,
            "_get_current_object",
            "raise RuntimeError(unbound_message) from None",
        ),
    ]
    f = engine.diagnose(kb, tb("Not within a request context", frames))
    assert f.family == "quart-request-context" and f.proxy == "request"
    assert f.flask_version is None


def test_group_merges_same_cause_and_location(kb):
    frames = [Frame("/home/ana/shop/tasks.py", 9, "run", "current_app.name")]
    a = engine.diagnose(
        kb, tb("Working outside of application context.", frames, start_line=3, end_line=9)
    )
    b = engine.diagnose(
        kb, tb("Working outside of application context.", frames, start_line=40, end_line=46)
    )
    (g,) = engine.group([a, b])
    assert g.occurrences == 2 and (g.first_line, g.last_line) == (3, 46)


def test_every_cause_has_a_page_and_every_family_a_fallback(kb):
    for cause in kb.causes.values():
        assert cause.fix and cause.verify and cause.quick_reference["fix"]
        for fam in cause.families:
            assert fam in kb.families


def test_prompt_that_calls_into_a_module_is_interactive(kb):
    frames = [
        Frame("<stdin>", 1, "<module>"),
        Frame("/home/ana/shop/reports.py", 8, "monthly_total", 'current_app.config["TAX"]'),
        Frame("/venv/lib/python3.11/site-packages/werkzeug/local.py", 318, "__get__"),
    ]
    f = engine.diagnose(kb, tb("Working outside of application context.", frames))
    assert f.cause_id == "interactive-shell"
    assert f.location.function == "monthly_total"


def test_string_frame_inside_a_stack_is_library_code(kb):
    frames = [
        Frame("/home/ana/shop/seed.py", 12, "<module>", "db.session.add(Tag())"),
        Frame("<string>", 2, "add"),
        Frame("/venv/lib/python3.9/site-packages/sqlalchemy/orm/scoping.py", 101, "__call__"),
        Frame("/venv/lib/python3.9/site-packages/flask_sqlalchemy/__init__.py", 1042, "get_app"),
    ]
    message = "No application found. Either work inside a view function or push an application"
    f = engine.diagnose(kb, tb(message, frames))
    assert f.location.path.endswith("seed.py")
    assert f.cause_id != "interactive-shell"


def _printed(phrase: str) -> str:
    """A family wording as an exception line prints it: the first letter may be a capital."""
    return "RuntimeError: " + phrase[:1].upper() + phrase[1:] + "."


def test_every_family_wording_is_found_in_a_skimmed_big_log(kb):
    """A big log is skimmed for the families' skim words: no wording a small paste finds is
    skipped there (knowledge/families.yaml is the one list of both)."""
    import io

    from ctxfix.engine.families import finder
    from ctxfix.read import stream as inputs

    found = finder(kb)
    filler = "".join(f"2026-01-01 10:00:00 INFO GET /item/{i} 200\n" for i in range(30_000))
    for signs in kb.signs.values():
        for phrase in (*signs.messages, *signs.leads):
            line = _printed(phrase)
            data = (filler + line + "\n" + filler).encode()
            assert len(data) > inputs.SKIM_AFTER
            reader = engine.bare_messages(kb)
            got, _ = inputs.feed_stream(io.BytesIO(data), reader.feed, reader)
            got += reader.close()
            assert any(found.of_message(t.message) or found.of_lead(t.message) for t in got), (
                signs.id,
                phrase,
            )
            assert any(w in phrase for w in found.hints)


def test_distinct_errors_past_the_cap_are_counted_not_kept(kb):
    """Memory stays bounded on a log of endlessly distinct errors (issue 14, item 5)."""
    block = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/job{i}.py", line {i}, in run{i}\n'
        "    current_app.config['X']\n"
        "RuntimeError: Working outside of application context.\n"
    )
    extra = 150
    text = "".join(block.format(i=i) for i in range(engine.MAX_KEPT + extra))
    outcome = engine.explain_lines(kb, text.splitlines())
    assert len(outcome.findings) == engine.MAX_KEPT
    assert outcome.dropped == extra
    again = engine.explain_lines(kb, (text + block.format(i=0)).splitlines())
    assert again.dropped == extra  # a repeat of a kept error is kept, not dropped
    assert max(f.occurrences for f in again.findings) == 2


def test_the_json_report_counts_what_it_does_not_show(runner, tmp_path, monkeypatch):
    """Past the cap of distinct errors, the JSON report says how many more there were."""
    import json

    from ctxfix.cli import cli

    monkeypatch.setattr(engine, "MAX_KEPT", 2)
    block = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/job{i}.py", line {i}, in run{i}\n'
        "    current_app.config['X']\n"
        "RuntimeError: Working outside of application context.\n"
    )
    log = tmp_path / "worker.log"
    log.write_text("".join(block.format(i=i) for i in range(5)))
    result = runner.invoke(cli, ["explain", "--format", "json", str(log)])
    doc = json.loads(result.stdout)
    assert len(doc["findings"]) == 2 and doc["dropped"] == 3
    result = runner.invoke(cli, ["explain", "--format", "json", "--report-version", "1", str(log)])
    assert "dropped" not in json.loads(result.stdout)  # version 1 exactly as it was


def test_a_cut_off_import_chain_under_flasks_own_warnings_is_read(kb):
    """Flask 0.11-0.12's flask/exthook.py warns as an app imports `flask.ext.x`: lines above a
    traceback cut off in the app's modules show it is a Flask app being imported (paste shape
    written for this test)."""
    text = (
        "/srv/venv/lib/python2.7/site-packages/flask/exthook.py:71: ExtDeprecationWarning: "
        "Importing flask.ext.sqlalchemy is deprecated, use flask_sqlalchemy instead.\n"
        "  .format(x=modname), ExtDeprecationWarning\n"
        "Traceback (most recent call last):\n"
        '  File "./manage.py", line 5, in <module>\n'
        "    from shop import app\n"
        '  File "/srv/shop/shop/__init__.py", line 14, in <module>\n'
        "    api.create_api(Order)\n"
    )
    (f,) = engine.explain_text(text, kb)
    assert f.cause_id == "import-time" and f.truncated
    assert engine.explain_text(text.split("\n", 2)[2], kb) == []  # without them: no guess


def test_candidates_the_evidence_cannot_separate_come_in_the_wizards_order(kb):
    """A message alone settles no cause: its candidates are listed as the wizard offers them
    (a script, a shell, a thread, Celery...), not alphabetically."""
    message = "RuntimeError: Working outside of application context."
    (f,) = engine.explain_lines(kb, [message]).findings
    assert f.cause is None and len(f.candidates) > 5
    order = kb.causes_in_order(kb.start)
    assert f.candidates == sorted(f.candidates, key=order.index)
    first = kb.questions[f.pending].choices[0]
    assert f.candidates[0] == (first.cause or kb.causes_in_order(first.next)[0])
    assert f.candidates != sorted(f.candidates)


# The frames below are written by hand, in the shapes programs of ours printed under Flask 2.0.3,
# 2.2.5, 3.0.3 and 3.1.3 (Python 3.9-3.12); the paths and names are made up.
_LOCAL = "/venv/lib/python3.11/site-packages/werkzeug/local.py"
_NO_APP = "Working outside of application context."


def test_code_the_factory_runs_is_app_setup_whoever_started_it(kb):
    frames = [
        Frame("/srv/shop/wsgi.py", 3, "<module>", "application = create_app()"),
        Frame("/srv/shop/app.py", 24, "create_app", "seed_roles()"),
        Frame("/srv/shop/app.py", 13, "seed_roles", "if not Role.query.first():"),
        Frame(_LOCAL, 318, "__get__"),
    ]
    assert engine.diagnose(kb, tb(_NO_APP, frames)).cause_id == "app-setup"


def test_a_module_below_an_import_statement_is_being_imported(kb):
    # Only the last lines were pasted: no script top, but the caller's line is an import.
    frames = [
        Frame("/srv/shop/api/__init__.py", 7, "create_app", "from .views import bp"),
        Frame("/srv/shop/api/views.py", 4, "<module>", 'PAGE_SIZE = current_app.config["PAGE"]'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    f = engine.diagnose(kb, tb(_NO_APP, frames, truncated=True))
    assert f.cause_id == "import-time"


def test_python_dash_m_starts_the_script_in_runpy(kb):
    frames = [
        Frame("<frozen runpy>", 198, "_run_module_as_main"),
        Frame("<frozen runpy>", 88, "_run_code"),
        Frame("/srv/shop/jobs/cleanup.py", 16, "<module>", "print(cutoff())"),
        Frame("/srv/shop/jobs/cleanup.py", 10, "cutoff", 'days = current_app.config["DAYS"]'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    assert engine.diagnose(kb, tb(_NO_APP, frames)).cause_id == "standalone-script"


def test_a_process_pool_re_raising_a_worker_error_is_background_work(kb):
    futures = "/usr/lib/python3.12/concurrent/futures"
    frames = [
        Frame("/srv/shop/resize_all.py", 17, "<module>", "for line in pool.map(resize, names):"),
        Frame(f"{futures}/process.py", 647, "_chain_from_iterable_of_lists"),
        Frame(f"{futures}/_base.py", 619, "result_iterator"),
        Frame(f"{futures}/_base.py", 317, "_result_or_cancel"),
        Frame(f"{futures}/_base.py", 456, "result"),
        Frame(f"{futures}/_base.py", 401, "__get_result"),
    ]
    assert engine.diagnose(kb, tb(_NO_APP, frames)).cause_id == "background-thread"


def test_an_executor_thread_under_the_event_loop_is_async_work(kb):
    stdlib = "/usr/lib/python3.12"
    frames = [
        Frame("/srv/shop/sync_feeds.py", 24, "<module>", "asyncio.run(main())"),
        Frame(f"{stdlib}/asyncio/runners.py", 194, "run"),
        Frame(f"{stdlib}/asyncio/base_events.py", 684, "run_until_complete"),
        Frame("/srv/shop/sync_feeds.py", 16, "main", "results = await asyncio.gather("),
        Frame(f"{stdlib}/concurrent/futures/thread.py", 58, "run"),
        Frame("/srv/shop/sync_feeds.py", 10, "fetch_feed", 'current_app.config["TIMEOUT"]'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    assert engine.diagnose(kb, tb(_NO_APP, frames)).cause_id == "async-task"


# CPython Lib/threading.py: Thread._bootstrap_inner calls self.run(); Thread.run calls
# self._target(...). The frames below are laid out the way Python 3.12 prints them.
_THREADING = "/usr/lib/python3.12/threading.py"


def test_the_caller_frame_is_the_one_right_above_yours():
    from ctxfix.engine.facts import facts_for

    def caller_frame(frames: list[Frame], user):
        return facts_for(tb(_NO_APP, frames), "app-context", None, user, frames, None).caller

    boot = Frame(_THREADING, 1073, "_bootstrap_inner", "self.run()")
    yours = Frame("/srv/shop/mailer.py", 12, "run", "x = current_app.name")
    local = Frame(_LOCAL, 318, "__get__")
    assert caller_frame([boot, yours, local], yours) is boot
    assert caller_frame([yours, local], yours) is None
    assert caller_frame([boot, local], None) is None


def test_a_thread_subclass_run_reading_the_app_is_the_thread_class_variant(kb):
    frames = [
        Frame(_THREADING, 1073, "_bootstrap_inner", "self.run()"),
        Frame("/srv/shop/mailer.py", 12, "run", 'sender = current_app.config["MAIL_FROM"]'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    found = engine.diagnose(kb, tb(_NO_APP, frames))
    assert (found.cause_id, found.variant) == ("background-thread", "thread-class")
    fix = "\n".join(f.code for f in found.cause.fixes_for(found.variant))
    assert "self.app = current_app._get_current_object()" in fix
    assert "with self.app.app_context():" in fix
    assert "threading.Thread(target=" not in fix


def test_a_target_function_named_run_is_still_app_data(kb):
    # Thread(target=run): threading.py's own run frame stands between _bootstrap_inner and yours
    frames = [
        Frame(_THREADING, 1073, "_bootstrap_inner", "self.run()"),
        Frame(_THREADING, 1010, "run", "self._target(*self._args, **self._kwargs)"),
        Frame("/srv/shop/mailer.py", 6, "run", 'sender = current_app.config["MAIL_FROM"]'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    found = engine.diagnose(kb, tb(_NO_APP, frames))
    assert (found.cause_id, found.variant) == ("background-thread", "app-data")


def test_a_thread_subclass_run_reading_the_request_stays_request_data(kb):
    frames = [
        Frame(_THREADING, 1073, "_bootstrap_inner", "self.run()"),
        Frame("/srv/shop/search.py", 9, "run", 'term = request.args.get("q")'),
        Frame(_LOCAL, 318, "__get__"),
    ]
    found = engine.diagnose(kb, tb("Working outside of request context.", frames))
    assert (found.cause_id, found.variant) == ("background-thread", "request-data")


def test_a_plain_click_command_setting_up_the_database_is_the_command(kb):
    # click's Context.invoke calls the command itself: its db.create_all() is the command's
    # problem (cli-command), not the app factory's.
    click = "/venv/lib/python3.12/site-packages/click/core.py"
    frames = [
        Frame("/srv/shop/manage.py", 24, "<module>", "cli()"),
        Frame(click, 1161, "__call__", "return self.main(*args, **kwargs)"),
        Frame(click, 1697, "invoke", "return _process_result(sub_ctx.command.invoke(sub_ctx))"),
        Frame(click, 788, "invoke", "return __callback(*args, **kwargs)"),
        Frame("/srv/shop/manage.py", 16, "import_contacts", "db.create_all()"),
        Frame(
            "/venv/lib/python3.12/site-packages/flask_sqlalchemy/extension.py", 900, "create_all"
        ),
        Frame("/venv/lib/python3.12/site-packages/flask_sqlalchemy/extension.py", 687, "engines"),
        Frame(_LOCAL, 519, "_get_current_object"),
    ]
    assert engine.diagnose(kb, tb(_NO_APP, frames)).cause_id == "cli-command"


def test_pytest_report_with_no_frames_still_says_the_code_ran_in_a_test(kb):
    # Written by hand: the last lines of a pytest run on Windows, as people paste them, with no
    # traceback frame of the test left (pytest's long format names only the raise location).
    text = "\n".join(
        [
            "        except LookupError:",
            ">           raise RuntimeError(unbound_message) from None",
            "E           RuntimeError: Working outside of application context.",
            "",
            r"C:\Python311\Lib\site-packages\werkzeug\local.py:519: RuntimeError",
            "=========================== short test summary info ===========================",
            "ERROR tests/test_items.py::test_count - RuntimeError: Working outside of appli...",
            "=============================== 1 error in 0.33s ===============================",
        ]
    )
    [finding] = engine.explain_text(text, kb)
    assert finding.cause_id == "pytest-test"


# Written by hand: the tails of two tracebacks as people paste them, starting at the source line
# of a frame whose `File` line was cut off.
_CUT_THREAD = """\
    self._target(*self._args, **self._kwargs)
  File "/srv/shop/thumbs.py", line 9, in make_thumbnail
    size = current_app.config["THUMB_SIZE"]
  File "/venv/lib/python3.11/site-packages/werkzeug/local.py", line 318, in __get__
    obj = instance._get_current_object()
RuntimeError: Working outside of application context.
"""
_CUT_IMPORT = """\
    from .views import bp
  File "/srv/blog/views.py", line 6, in <module>
    def per_page(default=current_app.config["POSTS_PER_PAGE"]):
  File "/venv/lib/python3.11/site-packages/werkzeug/local.py", line 318, in __get__
    obj = instance._get_current_object()
RuntimeError: Working outside of application context.
"""


def test_the_source_line_left_above_a_cut_traceback_is_read(kb):
    [thread] = engine.explain_text(_CUT_THREAD, kb)
    assert thread.cause_id == "background-thread"
    assert thread.location.function == "make_thumbnail"
    [imported] = engine.explain_text(_CUT_IMPORT, kb)
    assert imported.cause_id == "import-time"
