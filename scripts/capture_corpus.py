"""Record what every broken example prints under each supported Flask version.

For each Flask version ctxfix speaks of (ctxfix/flaskenvs.py), this creates (once, then reuses)
a virtualenv with that Flask, the Werkzeug/Jinja2/itsdangerous/MarkupSafe it was released with,
and the extension versions that fit it. It runs every cause's broken example there, exactly as
`ctxfix verify` does (a fresh temporary folder, a time limit, a process group of its own), and
saves what the program printed to

    tests/tracebacks/flask-<version>/<cause>--<example>.txt

Examples that import Quart run instead under each Quart release of QUART_TARGETS (0.18 to 0.22,
each on the Python of its time), saved to tests/tracebacks/quart-<version>/.

Examples run with pytest are run four times: as written, and with --tb=short, --tb=line and
--tb=native (saved as <cause>--<example>--tb-short.txt and so on). Temporary folders, the
virtualenv, the Python install, memory addresses, times, ids and ports are replaced with stable
values, so a new capture differs from the old only where Flask's output changed. An example whose
`flask:` range or requirements exclude a version is skipped with the reason. An example that does
not print a context error of its cause's kind is reported and not saved, and the script exits 1.

    python scripts/capture_corpus.py                  # every version, every example
    python scripts/capture_corpus.py --flask 2.0.3 --cause celery-task
    python scripts/capture_corpus.py --list           # the versions and their pins
    python scripts/capture_corpus.py --signals        # the sign programs, below

With --signals it runs instead the small programs in tests/signals/programs/, each under the
virtualenvs its header names (`# Envs:`; old Flask, Flask-SQLAlchemy and extension releases on
Python 2.7, 3.6 and 3.7 among them, see SIGNAL_TARGETS), and saves what each printed, normalised
the same way, to tests/signals/<program>--<env>.txt (the pip freeze of each virtualenv to
tests/signals/envs/). A program whose output lacks its `# Prints:` text is reported, not saved.

Run it with the project's own virtualenv (it imports ctxfix). It needs the network to PyPI the
first time each virtualenv is made; the virtualenvs live in ~/.cache/ctxfix-corpus (or
--cache-dir, or CTXFIX_CORPUS_CACHE).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ctxfix import verify  # noqa: E402
from ctxfix.flaskenvs import TARGETS, EnvError, Target, default_cache  # noqa: E402
from ctxfix.flaskenvs import ensure_venv as _ensure_venv  # noqa: E402
from ctxfix.knowledge import KnowledgeBase, load  # noqa: E402

OUT = ROOT / "tests" / "tracebacks"
TB_FORMS = ("short", "line", "native")

# What the saved text shows instead of this machine's folders.
PROJECT = "/home/dev/project"
VENV = "/home/dev/venv"
PYTHON_HOME = "/usr/local"


# Quart: each release on a Python it installs on, with the Flask family it runs with (0.18 has
# its own code and needs only Werkzeug 2.2+; 0.19 and newer build on Flask 3). Only examples that
# import quart run here, and only here.
QUART_TARGETS = (
    Target("2.2.5", "3.9", ("Werkzeug==2.2.3", "Quart==0.18.4", "pytest"), name="quart-0.18.4"),
    Target("3.0.3", "3.11", ("Werkzeug==3.0.6", "Quart==0.19.9", "pytest"), name="quart-0.19.9"),
    Target("3.1.3", "3.12", ("Werkzeug==3.1.3", "Quart==0.20.0", "pytest"), name="quart-0.20.0"),
    Target("3.1.3", "3.13", ("Werkzeug==3.1.3", "Quart==0.22.0", "pytest"), name="quart-0.22.0"),
)


def is_quart_example(example: verify.Example) -> bool:
    return "quart" in example.requires


_OLD_FLASK = ("Werkzeug==0.10.4", "Jinja2==2.7.3", "itsdangerous==0.24", "MarkupSafe==0.23")
_PY37 = ("SQLAlchemy==1.3.24", "pytest==7.4.4", "Flask-Login==0.4.1", "gunicorn==19.10.0")
_FLASK_FAMILY = ("Werkzeug", "Jinja2", "itsdangerous", "MarkupSafe", "click", "blinker")


def _flask_family(flask: str) -> tuple[str, ...]:
    """The Werkzeug, Jinja2, ... pins of a corpus target, for a second virtualenv of that Flask."""
    target = next(t for t in TARGETS if t.flask == flask)
    return tuple(p for p in target.pins if p.split("==")[0] in _FLASK_FAMILY)


SIGNAL_TARGETS = (
    Target(
        "0.10.1",
        "3.6",
        _OLD_FLASK + ("Flask-SQLAlchemy==2.0", "SQLAlchemy==0.9.10", "Flask-Login==0.2.11"),
    ),
    Target(
        "0.10.1",
        "3.6",
        _OLD_FLASK + ("Flask-SQLAlchemy==1.0", "SQLAlchemy==0.9.10"),
        name="flask-0.10.1-fsa-1.0",
    ),
    Target(
        "0.10.1",
        "2.7",
        _OLD_FLASK + ("Flask-SQLAlchemy==0.16", "SQLAlchemy==0.9.10"),
        name="flask-0.10.1-py2.7",
    ),
    Target(
        "0.12.5",
        "3.7",
        (
            "Werkzeug==0.16.1",
            "Jinja2==2.10.3",
            "itsdangerous==0.24",
            "MarkupSafe==1.1.1",
            "click==7.0",
            "Flask-SQLAlchemy==2.1",
            "Flask-Assets==0.12",
            "webassets==0.12.1",
            "Flask-And-Redis==1.0.0",
            "redis==3.5.3",
            "Flask-SQLAlchemy-Session==1.1",
        )
        + _PY37,
    ),
    Target(
        "1.0.4",
        "3.7",
        (
            "Werkzeug==0.15.6",
            "Jinja2==2.10.3",
            "itsdangerous==1.1.0",
            "MarkupSafe==1.1.1",
            "click==7.0",
            "Flask-SQLAlchemy==2.4.4",
        )
        + _PY37,
    ),
    Target(
        "1.1.4",
        "3.8",
        _flask_family("1.1.4")
        + (
            "Flask-SQLAlchemy==2.5.1",
            "SQLAlchemy==1.4.54",
            "Flask-Migrate==2.7.0",
            "alembic==1.7.7",
            "gunicorn==20.1.0",
            "pytest",
        ),
        name="flask-1.1.4-ext",
    ),
    Target(
        "3.1.3",
        "3.12",
        _flask_family("3.1.3")
        + (
            "Flask-SQLAlchemy==3.1.1",
            "SQLAlchemy==2.0.36",
            "Flask-Migrate==4.1.0",
            "Flask-Babel==4.0.0",
            "gunicorn==23.0.0",
            "pytest",
        ),
        name="flask-3.1.3-ext",
    ),
) + TARGETS


def say(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Virtualenvs


def ensure_venv(target: Target, cache: Path) -> Path:
    try:
        return _ensure_venv(target, cache, say)
    except EnvError as exc:
        raise SystemExit(f"[{target.folder}] {exc}") from None


def installed(py: Path) -> str:
    """`pip list --format=freeze` of the virtualenv, under a line naming its Python."""
    version = subprocess.run(
        [str(py), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    proc = subprocess.run(
        [str(py), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
    )
    lines = sorted((ln for ln in proc.stdout.splitlines() if ln.strip()), key=str.lower)
    return "\n".join([f"# Python {version}", *lines]) + "\n"


# ---------------------------------------------------------------------------------------------
# Stable text


class Normaliser:
    """Replaces what differs between machines and runs with stable stand-ins."""

    def __init__(self, workdir: Path, venv: Path, python_home: str) -> None:
        base = Path(python_home).resolve()
        self.paths = [
            (str(workdir.resolve()), PROJECT),
            (str(workdir), PROJECT),
            (str(venv.resolve()), VENV),
            (str(venv), VENV),
            (str(base), PYTHON_HOME),
        ]
        self.ports: dict[str, str] = {}

    def _port(self, m: re.Match) -> str:
        port = m.group(2)
        if port not in self.ports:
            self.ports[port] = str(50001 + len(self.ports))
        return f"{m.group(1)}:{self.ports[port]}"

    def __call__(self, text: str) -> str:
        for real, stable in sorted(self.paths, key=lambda p: -len(p[0])):
            text = text.replace(real, stable)
        text = re.sub(r"\b0x[0-9a-fA-F]{6,16}\b", "0x7f5e4c3b2a10", text)
        text = re.sub(
            r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "2c6f8d1e-4b7a-4f3e-9d2c-5a8b7e6f1d30",
            text,
        )
        text = re.sub(r"\b[0-9a-f]{32}\b", "9d2c5a8b7e6f1d302c6f8d1e4b7a4f3e", text)
        text = re.sub(r"\b\d{4}-\d\d-\d\d([ T])\d\d:\d\d:\d\d", r"2025-06-02\g<1>09:30:00", text)
        text = re.sub(r"(2025-06-02[ T]09:30:00[,.])\d+", r"\g<1>000", text)
        text = re.sub(r"\b\d\d:\d\d:\d\d\b", "09:30:00", text)
        text = re.sub(r"\b\d\d/[A-Z][a-z]{2}/\d{4} 09:30:00", "02/Jun/2025 09:30:00", text)
        # gunicorn's log: "[2025-06-02 09:30:00 +0000] [12345] [INFO] ..."
        text = re.sub(r"(09:30:00 [+-]\d{4}\] \[)\d+(\])", r"\g<1>4242\2", text)
        text = re.sub(r"(Listening at: \S+ \()\d+(\))", r"\g<1>4242\2", text)
        text = re.sub(r"\bin \d+\.\d+s\b", "in 0.10s", text)
        text = re.sub(r"\b(succeeded|raised) in \d+(?:\.\d+)?(?:e-\d+)?s", r"\1 in 0.01s", text)
        text = re.sub(r"(127\.0\.0\.1|localhost|0\.0\.0\.0)[:](\d{2,5})\b", self._port, text)
        text = re.sub(r"\b(pid[ =:]+|PID )\d{2,}\b", r"\g<1>4242", text)
        text = re.sub(
            r"\b(ident=|native_id=|started (?:daemon )?)\d{3,}", r"\g<1>140230000000000", text
        )
        # SQLAlchemy's scoped-session registry keyed by thread ident (Flask-SQLAlchemy 2.x)
        text = re.sub(r"^(KeyError: )\d{9,}$", r"\g<1>140230000000000", text, flags=re.M)
        return text


# ---------------------------------------------------------------------------------------------
# Capturing


def uses_pytest(example: verify.Example) -> bool:
    argv = list(example.run)
    return "pytest" in argv or any(Path(a).name in ("pytest", "py.test") for a in argv[:1])


def file_name(example: verify.Example, form: Optional[str]) -> str:
    tail = f"--tb-{form}" if form else ""
    return f"{example.cause}--{example.name}{tail}.txt"


@dataclass
class Outcome:
    target: str
    name: str
    saved: bool = False
    skipped: str = ""
    problem: str = ""


def capture_one(
    kb: KnowledgeBase,
    target: Target,
    py: Path,
    example: verify.Example,
    form: Optional[str],
    out_dir: Path,
    python_home: str,
) -> Outcome:
    name = file_name(example, form)
    argv = list(example.run) + ([f"--tb={form}"] if form else [])
    base = Path(tempfile.mkdtemp(prefix="ctxfix-corpus-"))
    try:
        workdir = base / "project"
        run = verify.run_program(
            argv,
            example.broken,
            python=str(py),
            stdin=example.stdin,
            timeout=example.timeout,
            workdir=workdir,
        )
        text = Normaliser(workdir, py.parent.parent, python_home)(run.output)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    families = verify.context_families(kb, text)
    cause = kb.causes[example.cause]
    if not any(f in cause.families for f in families):
        last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or ["(nothing)"]
        what = ", ".join(families) if families else "no context error"
        return Outcome(target.folder, name, problem=f"printed {what}; last line: {last[0][:140]}")
    if run.timed_out:
        return Outcome(target.folder, name, problem=f"timed out after {example.timeout:g}s")
    (out_dir / name).write_text(text, encoding="utf-8", newline="\n")
    return Outcome(target.folder, name, saved=True)


def capture(
    kb: KnowledgeBase,
    target: Target,
    cache: Path,
    examples: list[verify.Example],
    jobs: int,
    prune: bool,
) -> list[Outcome]:
    py = ensure_venv(target, cache)
    out_dir = OUT / target.folder
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "installed.txt").write_text(installed(py), encoding="utf-8", newline="\n")
    home = subprocess.run(
        [str(py), "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True
    ).stdout.strip()
    outcomes: list[Outcome] = []
    work = []
    for ex in examples:
        if is_quart_example(ex) != target.folder.startswith("quart-"):
            continue  # Quart examples run under the Quart targets, the others under Flask's
        reason = verify.skip_reason(ex, python=str(py), flask=target.flask)
        forms: list[Optional[str]] = [None] + (list(TB_FORMS) if uses_pytest(ex) else [])
        if reason:
            outcomes += [Outcome(target.folder, file_name(ex, f), skipped=reason) for f in forms]
            continue
        work += [(ex, f) for f in forms]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(capture_one, kb, target, py, ex, f, out_dir, home) for ex, f in work]
        for fut in futures:
            outcomes.append(fut.result())
    for o in outcomes:
        if o.skipped:
            say(f"[{o.target}] skip {o.name}: {o.skipped}")
        elif o.problem:
            say(f"[{o.target}] NOT REPRODUCED {o.name}: {o.problem}")
    if prune:
        keep = {o.name for o in outcomes if o.saved}
        for p in sorted(out_dir.glob("*--*.txt")):
            if p.name not in keep:
                say(f"[{target.folder}] removing stale {p.name}")
                p.unlink()
    saved = sum(o.saved for o in outcomes)
    say(f"[{target.folder}] {saved} saved, {sum(bool(o.skipped) for o in outcomes)} skipped")
    return outcomes


# ---------------------------------------------------------------------------------------------
# Signals: small programs of our own, each printing one sign under the old versions named in
# its header (tests/signals/programs/*.py), saved as tests/signals/<program>--<env>.txt

SIGNALS = ROOT / "tests" / "signals"
PROGRAMS = SIGNALS / "programs"
_HEADER = re.compile(r"^# (Shows|Envs|Expect|Prints|Run):[ \t]*(.*)$")


@dataclass(frozen=True)
class Program:
    path: Path
    envs: tuple[str, ...]
    prints: tuple[str, ...]
    """Any one of these (case-insensitive) must be in the output: the sign the program shows."""
    run: tuple[str, ...]
    """The command; {file}, {module} and {bin} (the virtualenv's bin folder) are filled in.
    ctxfix.verify clears FLASK_APP and the like, so a program sets them with `env`."""


def read_program(path: Path) -> Program:
    """The header of a program: its `# Envs:`, `# Expect:`, `# Prints:` and `# Run:` lines."""
    head: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADER.match(line)
        if m:
            head[m[1]] = m[2].strip()
        elif not line.startswith("#"):
            break
    missing = [k for k in ("Envs", "Expect", "Prints") if not head.get(k)]
    if missing:
        raise SystemExit(f"{path}: the header has no {', '.join(missing)} line")
    return Program(
        path,
        tuple(head["Envs"].split()),
        tuple(p.strip().lower() for p in head["Prints"].split("|")),
        tuple(head.get("Run", "python {file}").split()),
    )


def _fill(text: str, program: Program, py: Path) -> str:
    return text.format(file=program.path.name, module=program.path.stem, bin=py.parent)


def capture_program(program: Program, target: Target, py: Path, python_home: str) -> Outcome:
    name = f"{program.path.stem}--{target.folder}.txt"
    base = Path(tempfile.mkdtemp(prefix="ctxfix-signals-"))
    try:
        source = base / "source"
        source.mkdir()
        shutil.copy(program.path, source / program.path.name)
        workdir = base / "project"
        env = dict(os.environ)
        env["PATH"] = f"{py.parent}{os.pathsep}{env.get('PATH', '')}"
        run = verify.run_program(
            [_fill(a, program, py) for a in program.run],
            source,
            python=str(py),
            timeout=90,
            env=env,
            workdir=workdir,
        )
        text = Normaliser(workdir, py.parent.parent, python_home)(run.output)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if run.timed_out:
        return Outcome(target.folder, name, problem="timed out after 90s")
    if not any(p in text.lower() for p in program.prints):
        last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or ["(nothing)"]
        return Outcome(target.folder, name, problem=f"no sign; last line: {last[0][:140]}")
    (SIGNALS / name).write_text(text, encoding="utf-8", newline="\n")
    return Outcome(target.folder, name, saved=True)


def capture_signals(cache: Path, envs: list[str], names: list[str], jobs: int) -> list[Outcome]:
    """Run every program under each virtualenv its header names (or only those asked for)."""
    targets = {t.folder: t for t in SIGNAL_TARGETS}
    programs = [read_program(p) for p in sorted(PROGRAMS.glob("*.py"))]
    programs = [p for p in programs if not names or p.path.stem in names]
    for p in programs:
        unknown = [e for e in p.envs if e not in targets]
        if unknown:
            raise SystemExit(f"{p.path.name}: unknown env {', '.join(unknown)}")
    wanted = sorted({e for p in programs for e in p.envs if not envs or e in envs})
    outcomes: list[Outcome] = []
    (SIGNALS / "envs").mkdir(parents=True, exist_ok=True)
    for folder in wanted:
        target = targets[folder]
        py = ensure_venv(target, cache)
        (SIGNALS / "envs" / f"{folder}.txt").write_text(
            installed(py), encoding="utf-8", newline="\n"
        )
        # sys.real_prefix: Python 2 virtualenvs, which have no sys.base_prefix
        where = "import sys; print(getattr(sys, 'real_prefix', getattr(sys, 'base_prefix', '')))"
        home = subprocess.run([str(py), "-c", where], capture_output=True, text=True).stdout.strip()
        mine = [p for p in programs if folder in p.envs]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(capture_program, p, target, py, home) for p in mine]
            done = [f.result() for f in futures]
        for o in done:
            say(f"[{folder}] {'saved' if o.saved else 'NOT REPRODUCED'} {o.name} {o.problem}")
        outcomes += done
    if not envs and not names:
        keep = {o.name for o in outcomes if o.saved}
        for path in sorted(SIGNALS.glob("*--*.txt")):
            if path.name not in keep:
                say(f"removing stale {path.name}")
                path.unlink()
    return outcomes


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--flask", action="append", default=[], metavar="VERSION", help="a Flask version, or quart"
    )
    ap.add_argument("--cause", action="append", default=[], metavar="CAUSE")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=default_cache(),
    )
    ap.add_argument("-j", "--jobs", type=int, default=verify.default_jobs())
    ap.add_argument("--list", action="store_true", help="print the versions and pins, and stop")
    ap.add_argument(
        "--signals",
        action="store_true",
        help="run tests/signals/programs under the virtualenvs their headers name",
    )
    ap.add_argument("--env", action="append", default=[], help="with --signals: only this one")
    ap.add_argument(
        "--program", action="append", default=[], help="with --signals: only this program"
    )
    args = ap.parse_args(argv)
    if args.signals:
        start = time.monotonic()
        outcomes = capture_signals(args.cache_dir, args.env, args.program, args.jobs)
        problems = [o for o in outcomes if o.problem]
        say(
            f"signals: {sum(o.saved for o in outcomes)} saved, {len(problems)} not reproduced, "
            f"in {time.monotonic() - start:.0f}s"
        )
        return 1 if problems else 0

    targets = [t for t in TARGETS if not args.flask or t.flask in args.flask]
    if args.flask and len(targets) != len(set(args.flask) - {"quart"}):
        known = ", ".join(t.flask for t in TARGETS)
        ap.error(f"unknown Flask version in {args.flask}; known: {known} (or quart)")
    if not args.flask or "quart" in args.flask:
        targets += QUART_TARGETS
    if args.list:
        for t in targets:
            say(f"{t.folder}: Flask {t.flask} {' '.join(t.pins)}")
        return 0
    kb = load(use_cache=False)
    for c in args.cause:
        if c not in kb.causes:
            ap.error(f"unknown cause {c}")
    examples = [ex for ex in verify.find_examples(kb, args.cause) if not ex.problems]
    start = time.monotonic()
    outcomes: list[Outcome] = []
    for t in targets:
        outcomes += capture(kb, t, args.cache_dir, examples, args.jobs, prune=not args.cause)
    problems = [o for o in outcomes if o.problem]
    say("")
    for t in targets:
        mine = [o for o in outcomes if o.target == t.folder]
        say(
            f"{t.folder}: {sum(o.saved for o in mine)} saved, "
            f"{sum(bool(o.skipped) for o in mine)} skipped, "
            f"{sum(bool(o.problem) for o in mine)} not reproduced"
        )
    say(f"done in {time.monotonic() - start:.0f}s; {len(problems)} not reproduced")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
