"""The `ctxfix` command: argument handling and wiring only.

Each command reads its inputs, calls the engine or knowledge, and hands the result to render.
Errors a user can cause end in one line on stderr and exit 1 or 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from typing import Any, Callable, NoReturn, Optional

import click

from ctxfix import __version__

EXIT_USAGE = 2
EXIT_INTERRUPT = 130


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    _say(message)
    sys.exit(code)


def _say(message: str) -> None:
    """One line on stderr, whatever the message holds (a file name may hold a newline)."""
    try:
        click.echo(f"ctxfix: {_one_line(message)}", err=True)
    except OSError:  # stderr is closed or full too: nothing more can be said
        _discard_output()


def _one_line(text: str) -> str:
    """``text`` with control characters and line separators shown escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


class _Ctx:
    """What the global options said, and what they lead to (settings, knowledge, output)."""

    def __init__(self) -> None:
        self.knowledge_dirs: tuple[str, ...] = ()
        self.color_choice = "auto"
        self.pager = True
        self.isolated = False
        self._kb: Any = None
        self._settings: Any = None

    def settings(self, start: Optional[str] = None) -> Any:
        """The ``[tool.ctxfix]`` settings found from ``start`` (the current folder) upward."""
        if self._settings is None:
            from ctxfix.config import ConfigError, load

            try:
                self._settings = load(start, isolated=self.isolated)
            except ConfigError as exc:
                _fail(str(exc))
        return self._settings

    def all_knowledge_dirs(self) -> tuple[str, ...]:
        """--knowledge-dir folders, or the settings' knowledge-dirs when none is given."""
        return self.knowledge_dirs or self.settings().knowledge_dirs

    def project_root(self, given: Optional[str]) -> Optional[str]:
        return given if given is not None else self.settings().project_root

    def kb(self) -> Any:
        if self._kb is None:
            from ctxfix.knowledge import KnowledgeError, load

            try:
                self._kb = load(self.all_knowledge_dirs())
            except KnowledgeError as exc:
                for p in exc.problems:
                    click.echo(_one_line(p.format()), err=True)
                _fail(
                    f"the knowledge is broken ({len(exc.problems)} problem"
                    f"{'s' if len(exc.problems) != 1 else ''}); fix it or run `ctxfix lint`"
                )
        return self._kb

    def fancy(self) -> bool:
        """Rich output with colour: see ctxfix.render.terminal for how it is decided."""
        from ctxfix.render.terminal import wants_color

        return wants_color(self.color_choice)

    def console(self) -> Any:
        from ctxfix.render.terminal import make_console

        return make_console(self.fancy())

    def output(self) -> Any:
        """Where a report goes: stdout, or the pager when it is taller than the terminal."""
        from ctxfix.render.terminal import Output

        return Output(self.fancy(), self.pager)


def _global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Record a global option, given before or after the command name (the later one wins)."""
    if value is None or value is False or value == ():
        return
    obj = ctx.ensure_object(_Ctx)
    if param.name == "knowledge_dirs":
        obj.knowledge_dirs += tuple(value)
    elif param.name == "color":
        obj.color_choice = value
    elif param.name == "no_color":
        obj.color_choice = "never"
    elif param.name == "no_pager":
        obj.pager = False
    elif param.name == "isolated":
        obj.isolated = True


def _flag(name: str, help: str) -> click.Option:
    return click.Option([name], is_flag=True, expose_value=False, callback=_global, help=help)


def _global_options() -> list[click.Option]:
    """The options every command takes, before or after its name: ``ctxfix table --no-color``."""
    return [
        click.Option(
            ["--knowledge-dir", "knowledge_dirs"],
            multiple=True,
            type=click.Path(file_okay=False),
            metavar="DIR",
            expose_value=False,
            callback=_global,
            help="Add a folder of your own causes (repeatable). Also read from "
            "CTXFIX_KNOWLEDGE_PATH and knowledge-dirs in [tool.ctxfix].",
        ),
        click.Option(
            ["--color"],
            type=click.Choice(["auto", "always", "never"]),
            default=None,
            expose_value=False,
            callback=_global,
            help="Colour and rich drawing: auto (a terminal, unless NO_COLOR is set; "
            "FORCE_COLOR forces it), always, or never.",
        ),
        _flag("--no-color", "The same as --color never."),
        _flag("--no-pager", "Never page long output (also when CTXFIX_PAGER is set to nothing)."),
        _flag("--isolated", "Ignore [tool.ctxfix] in pyproject.toml."),
    ]


def _format_option(
    *choices: str, default: Optional[str] = "text", help: Optional[str] = None
) -> Callable[[Any], Any]:
    """The --format option every command shares: its choices, default and what they mean."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=default is not None,
        help=help,
    )


def _report_version_option() -> Callable[[Any], Any]:
    """--report-version: which JSON report to print (explain and diagnose)."""
    return click.option(
        "--report-version",
        type=click.Choice(["1", "2"]),
        default="2",
        show_default=True,
        callback=lambda _ctx, _param, value: int(value),
        help="With --format json: 2 lists the fixes; 1 is the older report that scripts may use.",
    )


def _completion_kb(ctx: click.Context) -> Any:
    """The knowledge while completing a word: None when it cannot be loaded."""
    import contextlib
    import io

    obj = ctx.find_object(_Ctx) or _Ctx()
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # nothing may land on the command line
            return obj.kb()
    except (SystemExit, Exception):  # noqa: BLE001 - a completion never fails loudly
        return None


def _complete_causes(ctx: click.Context, _param: click.Parameter, incomplete: str) -> Any:
    from ctxfix import completion

    return completion.causes(_completion_kb(ctx), incomplete)


def _complete_answers(ctx: click.Context, _param: click.Parameter, incomplete: str) -> Any:
    from ctxfix import completion

    return completion.answers(_completion_kb(ctx), incomplete)


def _answers(values: tuple[str, ...], kb: Any) -> dict[str, str]:
    """--answer values by question; a question or choice the tree does not have is bad usage."""
    from ctxfix.engine import choice_key, resolve_answer

    out: dict[str, str] = {}
    for v in values:
        if "=" not in v:
            _fail(f"--answer takes QUESTION=CHOICE, got {v!r}")
        k, _, c = (part.strip() for part in v.partition("="))
        q = kb.questions.get(k)
        if q is None:
            known = ", ".join(kb.questions)
            _fail(f"--answer {v}: there is no question '{k}' (questions: {known})")
        if not c or resolve_answer(q.choices, c, kb) is None:
            keys = ", ".join(choice_key(ch, i, kb) for i, ch in enumerate(q.choices))
            what = "names no choice" if not c else f"'{c}' is not a choice of '{k}'"
            _fail(f"--answer {v}: {what} (choices: {keys})")
        out[k] = c
    return out


class _Interrupted(BaseException):
    """Ctrl-C, carried past click, which would print a blank line for it."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(
    __version__, "-V", "--version", prog_name="ctxfix", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Explain Flask's "Working outside of application context" errors and print the fix.

    \b
    Paste a traceback or give a log file:
      ctxfix explain traceback.txt
      pbpaste | ctxfix explain
    Or answer a few questions:
      ctxfix diagnose
    See every scenario and its fix at a glance:
      ctxfix table
    Catch it before it crashes:
      ctxfix scan src/
      ctxfix run -- flask --app shop run
      pytest --ctxfix

    \b
    Options before or after the command name apply to it alike. Settings in
    [tool.ctxfix] of the nearest pyproject.toml; command-line flags win over them.
    """
    ctx.ensure_object(_Ctx)


@cli.command()
@click.argument("files", nargs=-1, metavar="[FILE]...")
@_format_option(
    "text",
    "json",
    help="text is rich panels in a terminal and plain text when piped; json is for scripts.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also show how your frame was chosen, and scores."
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="One line per error: path:line: cause (family). Asks nothing.",
)
@click.option(
    "--project-root",
    metavar="DIR",
    help="Treat frames under DIR as your own code, even inside site-packages.",
)
@click.option(
    "--answer",
    "answers",
    multiple=True,
    metavar="QUESTION=CHOICE",
    shell_complete=_complete_answers,
    help="Answer a question the traceback cannot settle (repeatable), e.g. where=celery-task.",
)
@click.option("--no-ask", is_flag=True, help="Never ask questions, even in a terminal.")
@click.option(
    "--example",
    is_flag=True,
    help="Explain a bundled sample: what a thread using current_app printed under Flask 3.1.",
)
@_report_version_option()
@click.option(
    "--diff",
    "as_diff",
    is_flag=True,
    help="Print only a patch of your files for `patch -p0`; what cannot be patched goes to stderr.",
)
@click.pass_obj
def explain(
    obj: _Ctx,
    files: tuple[str, ...],
    fmt: str,
    verbose: bool,
    quiet: bool,
    project_root: Optional[str],
    answers: tuple[str, ...],
    no_ask: bool,
    example: bool,
    report_version: int,
    as_diff: bool,
) -> None:
    """Find every Flask context error in a traceback or log and explain it.

    Reads FILE (a paste, a log, pytest or worker output), or stdin when no FILE is given or FILE
    is -. For each error it names the cause, points at your own line, lists the evidence, and
    prints the fix, a snippet to verify it, and the quick-reference row.

    With --diff, stdout holds only a unified diff of your files that makes the fix, with paths
    relative to this folder, to apply with `patch -p0`; --project-root then names the folder the
    traceback's paths started from (another machine or a container). Each error that cannot be
    patched is said on stderr, with why. With --format json too, each finding's `patch` holds
    its own diff.

    \b
    Examples:
      ctxfix explain error.txt
      ctxfix explain --format json app.log
      python manage.py 2>&1 | ctxfix explain
      ctxfix explain --diff error.txt | patch -p0
      ctxfix explain --example

    \b
    Exit status: 0 a context error was found (with --diff: a patch was printed); 1 none was
    found (with --diff: no patch could be made); 2 bad usage or unreadable input.
    """
    from ctxfix import service
    from ctxfix.render import terminal

    if quiet and verbose:
        _fail("-q and -v do not go together")
    if example and files:
        _fail("--example explains the bundled sample; give no FILE with it")
    kb = obj.kb()
    given = _answers(answers, kb)
    names = [service.example_file()] if example else list(files) or ["-"]
    if names.count("-") > 1:
        _fail("stdin (-) can be read only once")
    if "-" in names and sys.stdin.isatty():
        click.echo(terminal.paste_prompt(), err=True)
    try:
        outcome = service.explain_files(
            names,
            kb,
            project_root=obj.project_root(project_root),
            answers=given,
            progress=_reading_progress,
        )
    except service.InputError as exc:
        _fail(str(exc))

    if as_diff and fmt != "json":
        _print_patch(outcome.findings, project_root)
    if (
        outcome.findings
        and fmt == "text"
        and not (no_ask or quiet)
        and terminal.is_terminal()
        and any(f.pending for f in outcome.findings)
    ):
        from ctxfix import wizard

        outcome.findings = [
            wizard.settle(kb, f, given) if f.pending else f for f in outcome.findings
        ]

    from ctxfix import render

    out = obj.output()
    if fmt == "json":
        patch_for = None
        if as_diff:  # each finding's own patch in its `patch` field

            def patch_for(f: Any) -> Optional[str]:
                return service.patches([f], project_root=project_root).diff or None

        out.echo(
            render.render_json(
                outcome.findings, kb, report_version, patch_for, dropped=outcome.dropped
            )
        )
    elif quiet:
        out.echo(render.render_quiet(outcome, kb), nl=False)
    elif obj.fancy() and outcome.findings:
        render.render_rich(outcome, kb, out.console, verbose)
    else:
        out.echo(render.render_text(outcome, kb, verbose), nl=False)
    out.close()
    if not outcome.findings:
        if fmt == "json" or quiet:
            click.echo(f"ctxfix: {render.summary_line(outcome)}", err=True)
        sys.exit(1)


def _print_patch(findings: list[Any], project_root: Optional[str]) -> NoReturn:
    """explain --diff: the patch on stdout, one line per error it could not fix on stderr."""
    from ctxfix import service

    result = service.patches(findings, project_root=project_root)
    if not findings:
        click.echo("ctxfix: no Flask context error found, so there is nothing to patch", err=True)
    for note in result.notes:
        click.echo(f"ctxfix: {note}", err=True)
    click.echo(result.diff, nl=False)
    sys.exit(0 if result.diff else 1)


def _reading_progress(size: int, name: str) -> Any:
    from ctxfix.render.progress import reading_progress

    return reading_progress(size, name)


@cli.command()
@click.option(
    "--answer",
    "answers",
    multiple=True,
    metavar="QUESTION=CHOICE",
    shell_complete=_complete_answers,
    help="Answer a question without a terminal (repeatable), e.g. where=background-thread.",
)
@_format_option("text", "json", help="How to print the page the wizard ends on.")
@click.option("-v", "--verbose", is_flag=True, help="Also show each answer and where it came from.")
@_report_version_option()
@click.pass_obj
def diagnose(
    obj: _Ctx, answers: tuple[str, ...], fmt: str, verbose: bool, report_version: int
) -> None:
    """Answer a few questions and get the fix for your situation.

    It first offers to read a traceback (then asks only what the traceback cannot settle) or to
    pick the scenario. When stdin carries a traceback, questions are read from the terminal.
    Without a terminal, give every answer with --answer; a missing one exits 2 and names the
    question and its choices.

    \b
    Examples:
      ctxfix diagnose
      ctxfix diagnose < traceback.txt
      ctxfix diagnose --answer error=app-context --answer where=celery-task \\
                      --answer celery-version=flask-task
    """
    from ctxfix import render, wizard

    kb = obj.kb()
    try:
        outcome = wizard.run(kb, _answers(answers, kb))
    except wizard.MissingAnswer as exc:
        _fail(str(exc))
    out = obj.output()
    if fmt == "json":
        out.echo(render.render_json(outcome.findings, kb, report_version, dropped=outcome.dropped))
    elif obj.fancy():
        render.render_rich(outcome, kb, out.console, verbose)
    else:
        out.echo(render.render_text(outcome, kb, verbose), nl=False)
    out.close()


@cli.command()
@_format_option(
    "rich",
    "text",
    "markdown",
    "json",
    "csv",
    default=None,
    help="rich in a terminal and text when piped, unless given.",
)
@click.pass_obj
def table(obj: _Ctx, fmt: Optional[str]) -> None:
    """Print the quick-reference table: every scenario and its fix, one row each.

    \b
    Examples:
      ctxfix table
      ctxfix table --format markdown > QUICKREF.md
    """
    from ctxfix import render

    kb = obj.kb()
    fmt = fmt or ("rich" if obj.fancy() else "text")
    out = obj.output()
    text = render.render_table(kb, fmt, out.console if fmt == "rich" else None)
    if text is not None:
        out.echo(text, nl=False)
    out.close()


@cli.command()
@click.argument("cause", required=False, shell_complete=_complete_causes)
@_format_option("text", "markdown", "json", help="json gives the page (or the list) as data.")
@click.pass_obj
def show(obj: _Ctx, cause: Optional[str], fmt: str) -> None:
    """Print one cause's whole page: why, fixes, verify snippet, version notes.

    With no CAUSE, list every cause: its id, title and error families.

    \b
    Examples:
      ctxfix show
      ctxfix show background-thread
      ctxfix show celery-task --format json
    """
    from ctxfix import render

    kb = obj.kb()
    out = obj.output()
    if cause is None:
        out.echo(render.render_cause_list(list(kb.causes.values()), fmt), nl=False)
        out.close()
        return
    _known_causes(kb, (cause,))
    if fmt == "text" and obj.fancy():
        render.print_markdown(out.console, render.render_cause(kb.causes[cause], "markdown"))
    else:
        out.echo(render.render_cause(kb.causes[cause], fmt), nl=False)
    out.close()


@cli.command()
@click.argument("dirs", nargs=-1, metavar="[DIR]...", type=click.Path(file_okay=False))
@click.pass_obj
def lint(obj: _Ctx, dirs: tuple[str, ...]) -> None:
    """Check the knowledge files and print every problem as path:line: CODE message.

    With no DIR, checks the bundled knowledge plus your --knowledge-dir folders. A DIR holding a
    tree.yaml is checked as a whole knowledge folder; any other DIR as causes of your own.
    Codes are listed in docs/writing-a-cause.md.

    \b
    Exit status: 0 no problems; 1 problems found; 2 bad usage.
    """
    from ctxfix.knowledge import lint as run_lint

    for d in dirs:
        if not os.path.isdir(d):
            _fail(f"{d}: no such folder")
    problems = run_lint(dirs, obj.all_knowledge_dirs())
    for p in problems:
        click.echo(_one_line(p.format()))
    if problems:
        click.echo(
            f"ctxfix lint: {len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True
        )
        sys.exit(1)
    click.echo("ctxfix lint: no problems")


# ---------------------------------------------------------------------------------------------
# Catching errors before they crash: `scan` reads the code, `run` watches a running command.


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@_format_option(
    "text",
    "json",
    "sarif",
    help="text is path:line:col: CODE message [cause]; sarif is for GitHub code scanning.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Report only these rules: codes or prefixes, comma-separated (e.g. CTX101,CTX103).",
)
@click.option("--ignore", "ignore_", multiple=True, metavar="CODES", help="Leave out these rules.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 when a file cannot be read or parsed (by default it is a note).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only the findings and errors; no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Also say which settings and rules were used.")
@click.pass_obj
def scan(
    obj: _Ctx,
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore_: tuple[str, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Find code that will raise a Flask context error, without running it.

    Reads every .py file under each PATH (default: the current folder) as one project and
    reports threads, tasks, jobs, commands, streams and module-level code that use Flask
    globals with no context. Each finding names the cause; `ctxfix show CAUSE` has the fix.
    Silence one line with `# ctxfix: ignore[CTX104]`. The rules are listed in docs/scan.md.
    select, ignore, exclude, extend-exclude and per-file-ignores can be set in [tool.ctxfix]
    of pyproject.toml (found from the first PATH upward); --select and --ignore replace them.

    \b
    Examples:
      ctxfix scan
      ctxfix scan src/ --ignore CTX104
      ctxfix scan --format sarif > ctxfix.sarif

    \b
    Exit status: 0 nothing found; 1 findings; 2 a bad path or rule code. A file that
    cannot be read or parsed (newer syntax than this Python's) is a note on stderr and the
    rest is scanned; with --strict it makes the exit status 2.
    """
    from ctxfix import scan as scanner

    if quiet and verbose:
        _fail("-q and -v do not go together")
    paths = paths or (".",)
    settings = obj.settings(paths[0])
    try:
        chosen = scanner.parse_codes(select) if select else list(settings.select)
        left_out = scanner.parse_codes(ignore_) if ignore_ else list(settings.ignore)
        report = scanner.scan_paths(paths, chosen, left_out, strict=strict, settings=settings)
    except scanner.ScanUsageError as exc:
        _fail(str(exc))
    if verbose:
        click.echo(
            f"ctxfix scan: settings from {settings.path or 'no pyproject.toml with [tool.ctxfix]'}"
            f"; rules {','.join(chosen) or 'all'}"
            + (f" except {','.join(left_out)}" if left_out else "")
            + f"; {report.files} file{'s' if report.files != 1 else ''} read",
            err=True,
        )
    for error in report.errors:
        click.echo(error.format(strict), err=True)
    if fmt == "json":
        click.echo(scanner.format_json(report), nl=False)
    elif fmt == "sarif":
        click.echo(scanner.format_sarif(report, __version__), nl=False)
    elif quiet:
        click.echo("".join(f"{f.format()}\n" for f in report.findings), nl=False)
    else:
        click.echo(scanner.format_text(report), nl=False)
        if not report.findings:
            click.echo(f"ctxfix scan: no problems found in {report.files} files", err=True)
    sys.exit(scanner.exit_code(report))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option(
    "--project-root",
    metavar="DIR",
    help="Treat frames under DIR as your own code, even inside site-packages.",
)
@click.pass_obj
def run(obj: _Ctx, command: tuple[str, ...], project_root: Optional[str]) -> None:
    """Run COMMAND and diagnose Flask context errors in its output as they appear.

    The command's stdout and stderr pass through unchanged and live; each diagnosis is written
    to stderr, its lines starting with `ctxfix:`. Works for servers and workers: Ctrl-C goes to
    the command, and ctxfix waits for it to finish. Python commands get PYTHONUNBUFFERED=1 so
    their output is not held back.

    \b
    Examples:
      ctxfix run -- flask --app shop run --debug
      ctxfix run -- celery -A shop.worker worker --loglevel=info
      ctxfix run -- pytest -x

    If ctxfix's own output breaks (the reader of a pipe went away, the disk is full), the
    command is stopped with SIGTERM and one line says why; with stdout closed it runs and its
    stdout is dropped.

    \b
    Exit status: the command's own (128+N when signal N ended it); 2 if it could not start.
    """
    from ctxfix.run import RunError, run_command

    kb = obj.kb()
    try:
        code = run_command(command, kb, project_root=obj.project_root(project_root))
    except RunError as exc:
        _fail(str(exc))
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# Proving the knowledge: verify runs every cause's examples; docs writes the pages from it.


def _known_causes(kb: Any, names: tuple[str, ...]) -> None:
    import difflib

    for name in names:
        if name not in kb.causes:
            close = difflib.get_close_matches(name, list(kb.causes), n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `ctxfix show` lists them"
            _fail(f"unknown cause '{name}'{hint}")


@cli.command("verify")
@click.argument("causes", nargs=-1, metavar="[CAUSE]...", shell_complete=_complete_causes)
@_format_option(
    "text",
    "json",
    help="text is a table (with a progress bar in a terminal); json is for scripts.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 32),
    default=None,
    help="Examples to run at once (default: the number of cores, from 1 to 4).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also show the last lines each failing program printed."
)
@click.option(
    "--flask",
    "flask_versions",
    metavar="VERSIONS",
    help="Prove it under these Flask versions (e.g. 2.0,2.2,3.1, or all), each in a virtualenv.",
)
@click.pass_obj
def verify_command(
    obj: _Ctx,
    causes: tuple[str, ...],
    fmt: str,
    jobs: Optional[int],
    verbose: bool,
    flask_versions: Optional[str],
) -> None:
    """Prove causes on real code: run each example's broken and fixed program.

    For every example of every CAUSE (all causes when none is given), each in a temporary folder
    with a time limit: the broken program must fail with a Flask context error of the cause's
    kind, `ctxfix explain` on exactly what it printed must name the cause (and variant), and the
    fixed program must exit 0 and print `ctxfix verify: ok`, and the patch `explain --diff` prints
    for the broken program must make it run clean. An example that needs a missing module,
    program or Flask version is skipped, with what to install. Your own causes are proven the
    same way with --knowledge-dir.

    With --flask, all this runs under each Flask version named, in a virtualenv made once (with
    the Python of that version's time, from PATH or pyenv; the first time needs the package
    index) and kept in ~/.cache/ctxfix-corpus; the table is cause x version.

    \b
    Examples:
      ctxfix verify
      ctxfix verify background-thread celery-task
      ctxfix --knowledge-dir mycauses verify huey-periodic
      ctxfix verify --format json > verify.json
      ctxfix verify --flask 2.0,2.2,3.1

    \b
    Exit status: 0 every example that could run was proven; 1 one failed; 2 bad usage.
    """
    from ctxfix import render
    from ctxfix import verify as verifier

    kb = obj.kb()
    _known_causes(kb, causes)
    examples = verifier.find_examples(kb, list(dict.fromkeys(causes)))
    dirs = [str(d) for d in obj.all_knowledge_dirs()]
    if flask_versions is not None:
        _verify_versions(kb, examples, dirs, flask_versions, fmt, jobs, verbose)
    if fmt == "text" and sys.stderr.isatty() and obj.color_choice != "never":
        from rich.console import Console

        with render.VerifyProgress(len(examples), Console(stderr=True)) as bar:
            report = verifier.verify(kb, examples, dirs, jobs=jobs, on_result=bar.advance)
    else:
        report = verifier.verify(kb, examples, dirs, jobs=jobs)
    if fmt == "json":
        click.echo(report.to_json())
        click.echo(report.summary(), err=True)
    elif obj.fancy():
        render.render_verify_rich(report, obj.console(), verbose)
    else:
        click.echo(render.render_verify_text(report, verbose), nl=False)
    if not report.ok:
        sys.exit(1)


def _verify_versions(
    kb: Any,
    examples: list[Any],
    dirs: list[str],
    spec: str,
    fmt: str,
    jobs: Optional[int],
    verbose: bool,
) -> NoReturn:
    """verify --flask: the examples under each version named, as a cause x version table."""
    from ctxfix import render
    from ctxfix import verify as verifier
    from ctxfix.flaskenvs import pick

    try:
        targets = pick(spec)
    except ValueError as exc:
        _fail(str(exc))

    def said(run: Any) -> None:
        if run.error is not None:
            click.echo(f"ctxfix: {run.error}", err=True)
        elif sys.stderr.isatty():
            click.echo(f"ctxfix: Flask {run.flask}: {run.report.summary()[15:]}", err=True)

    matrix = verifier.verify_versions(kb, examples, targets, dirs, jobs=jobs, on_version=said)
    if fmt == "json":
        click.echo(matrix.to_json())
        click.echo(matrix.summary(), err=True)
    else:
        click.echo(render.render_matrix_text(matrix, verbose), nl=False)
    sys.exit(0 if matrix.ok else 1)


@cli.command("docs")
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The docs folder: pages go to DIR/causes/<id>.md and DIR/quick-reference.md. "
    "Needed outside a ctxfix checkout (where docs/ is the default).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 when the pages in DIR are out of date."
)
@click.pass_obj
def docs_command(obj: _Ctx, output: Optional[str], check: bool) -> None:
    """Write a page per cause and the quick-reference page from the knowledge.

    Each cause page holds what the error means, the broken example, why, the fix, the fixed
    example, how to verify it, and version notes. Run it after changing a cause or an example.
    It writes into a ctxfix checkout's own docs/ (run from the checkout), or into --output DIR;
    anywhere else it says what it would write and exits 2.

    \b
    Examples:
      ctxfix docs
      ctxfix docs --check
      ctxfix --knowledge-dir mycauses docs --output site/

    \b
    Exit status: 0 the pages are written (or, with --check, up to date); 1 --check found
    pages out of date; 2 bad usage, or no --output outside a ctxfix checkout.
    """
    from pathlib import Path

    from ctxfix import docs

    pages = docs.build(obj.kb())
    if output is None and not docs.in_checkout(Path.cwd()):
        causes = sum(rel.startswith(f"{docs.CAUSES}/") for rel in pages)
        _fail(
            f"this is not a ctxfix checkout, so nothing was {'checked' if check else 'written'}: "
            f"the {len(pages)} pages ({docs.QUICK_REFERENCE} and {docs.CAUSES}/<id>.md for "
            f"{causes} causes) go to a folder you name with --output DIR"
        )
    out = Path(output or docs.DOCS)
    if check:
        stale = docs.check(pages, out)
        for rel in stale:
            click.echo(f"{out / rel}: out of date")
        if stale:
            click.echo(
                f"ctxfix docs: {len(stale)} page{'s' if len(stale) != 1 else ''} out of date; "
                "run `ctxfix docs` to write them",
                err=True,
            )
            sys.exit(1)
        click.echo(f"ctxfix docs: {len(pages)} pages up to date")
        return
    touched = docs.write(pages, out)
    for rel in touched:
        click.echo(f"{out / rel}: {'written' if rel in pages else 'removed'}")
    click.echo(f"ctxfix docs: {len(pages)} pages, {len(touched)} changed")


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options, cause ids and answers.

    \b
    bash, in ~/.bashrc:
      eval "$(ctxfix completion bash)"
    zsh, in ~/.zshrc:
      eval "$(ctxfix completion zsh)"
    fish:
      ctxfix completion fish > ~/.config/fish/completions/ctxfix.fish

    \b
    Exit status: 0 printed; 2 a shell it does not know.
    """
    from ctxfix import completion as completions

    click.echo(completions.script(cli, shell))


if os.environ.get("_CTXFIX_COMPLETE"):
    import ctxfix.completion  # noqa: F401 - its bash completion reads the whole word

_GLOBAL_OPTIONS = _global_options()  # shared: an Option holds no state of a parse
for _command in (cli, *cli.commands.values()):
    _command.params.extend(_GLOBAL_OPTIONS)


class _ClosedOutput(io.TextIOBase):
    """sys.stdout when ctxfix was started with it closed: the first write fails, with one line."""

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    def isatty(self) -> bool:
        return False


_OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG}
_OUTPUT_ERRORS.add(getattr(errno, "EDQUOT", errno.ENOSPC))

_ASCII = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "→": "->"}


def _ascii_fallback(err: UnicodeError) -> tuple[str, int]:
    """What a character the output's encoding lacks is written as: its ASCII look-alike, or ?."""
    assert isinstance(err, UnicodeEncodeError)
    bad = err.object[err.start : err.end]
    return "".join(_ASCII.get(ch, "?") for ch in bad), err.end


def _prepare_output() -> None:
    """Every character ctxfix prints can be written, on any stdout encoding (a Windows redirect
    is cp1252 or cp437), and a closed stdout is an error at the first write."""
    codecs.register_error("ctxfix", _ascii_fallback)
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="ctxfix")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass


def _discard_output() -> None:
    """Point stdout and stderr at the null device, so what is still buffered for a closed or
    full output can be flushed at exit without another error."""
    for stream in (sys.stdout, sys.stderr):
        try:
            fd = stream.fileno()  # type: ignore[union-attr]
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        except (AttributeError, ValueError, OSError):
            pass


def _usage_line(exc: click.UsageError) -> str:
    message = exc.format_message().strip().rstrip(".")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    where = exc.ctx.command_path if exc.ctx is not None else "ctxfix"
    return f"{message} (see '{where} -h')"


def main() -> None:
    """Entry point: run the CLI. Ctrl-C exits 130 quietly; usage errors, a closed or full
    output and anything unexpected end in one line on stderr."""
    _prepare_output()
    try:
        try:
            cli.main(prog_name="ctxfix", standalone_mode=False)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # a full disk shows here, while it can still be said
    except (_Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        if sys.stderr is not None and sys.stderr.isatty():
            sys.stderr.write("\n")  # end the line the terminal's ^C is on
        sys.exit(EXIT_INTERRUPT)
    except click.UsageError as exc:
        _fail(_usage_line(exc), exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _discard_output()  # whoever read the output has gone (`| head`): not an error to report
        sys.exit(1)
    except SystemExit:
        raise
    except OSError as exc:
        if exc.filename is not None or exc.errno not in _OUTPUT_ERRORS:
            _internal(exc)
        _say(f"cannot write the output: {exc.strerror or exc}")
        _discard_output()
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback of our own
        _internal(exc)


def _internal(exc: Exception) -> NoReturn:
    if os.environ.get("CTXFIX_DEBUG"):
        raise exc
    _fail(
        f"internal error: {type(exc).__name__}: {exc} "
        "(set CTXFIX_DEBUG=1 for details, and please report it)"
    )
