"""Record what every broken example prints under each supported Flask version.

For each Flask version below, this creates (once, then reuses) a virtualenv with that Flask, the
Werkzeug/Jinja2/itsdangerous/MarkupSafe it was released with, and the extension versions that fit
it. It runs every cause's broken example there, exactly as `ctxfix verify` does (a fresh temporary
folder, a time limit, a process group of its own), and saves what the program printed to

    tests/tracebacks/flask-<version>/<cause>--<example>.txt

Examples run with pytest are run four times: as written, and with --tb=short, --tb=line and
--tb=native (saved as <cause>--<example>--tb-short.txt and so on). Temporary folders, the
virtualenv, the Python install, memory addresses, times, ids and ports are replaced with stable
values, so a new capture differs from the old only where Flask's output changed. An example whose
`flask:` range or requirements exclude a version is skipped with the reason. An example that does
not print a context error of its cause's kind is reported and not saved, and the script exits 1.

    python scripts/capture_corpus.py                  # every version, every example
    python scripts/capture_corpus.py --flask 2.0.3 --cause celery-task
    python scripts/capture_corpus.py --list           # the versions and their pins

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
from ctxfix.knowledge import KnowledgeBase, load  # noqa: E402

OUT = ROOT / "tests" / "tracebacks"
TB_FORMS = ("short", "line", "native")

# What the saved text shows instead of this machine's folders.
PROJECT = "/home/dev/project"
VENV = "/home/dev/venv"
PYTHON_HOME = "/usr/local"


@dataclass(frozen=True)
class Target:
    flask: str
    python: str
    """The Python minor version of the time, so older traceback layouts are recorded too."""
    pins: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"flask-{self.flask}"


# Every Flask-family pin matches what was current when that Flask came out. Extensions: the
# newest release that still works with that Flask (Flask-SQLAlchemy 2.5.1 up to Flask 2.2, so
# its "No application found" family is recorded; Flask-APScheduler 1.12.4, which needs `six`,
# before Flask 2.2.5; Celery 5.1 while Flask 1.1 pins click below 8).
# The rest is the newest release for that Python; installed.txt records what was used.
_COMMON = ("rq", "redis", "APScheduler<4", "pytest")
TARGETS = (
    Target(
        "1.1.4",
        "3.8",
        (
            "Werkzeug==1.0.1",
            "Jinja2==2.11.3",
            "itsdangerous==1.1.0",
            "MarkupSafe==2.0.1",
            "click==7.1.2",
            "Flask-SQLAlchemy==2.5.1",
            "SQLAlchemy==1.4.54",
            "celery==5.1.2",
            "Flask-APScheduler==1.12.4",
            "six==1.17.0",
            "pytest-flask==1.2.0",
        )
        + _COMMON,
    ),
    Target(
        "2.0.3",
        "3.9",
        (
            "Werkzeug==2.0.3",
            "Jinja2==3.0.3",
            "itsdangerous==2.0.1",
            "MarkupSafe==2.1.5",
            "click==8.1.7",
            "Flask-SQLAlchemy==2.5.1",
            "SQLAlchemy==1.4.54",
            "celery",
            "Flask-APScheduler==1.12.4",
            "six==1.17.0",
            "pytest-flask==1.2.0",
        )
        + _COMMON,
    ),
    Target(
        "2.1.3",
        "3.10",
        (
            "Werkzeug==2.1.2",
            "Jinja2==3.1.2",
            "itsdangerous==2.1.2",
            "MarkupSafe==2.1.5",
            "click==8.1.7",
            "Flask-SQLAlchemy==2.5.1",
            "SQLAlchemy==1.4.54",
            "celery",
            "Flask-APScheduler==1.12.4",
            "six==1.17.0",
            "pytest-flask==1.2.0",
        )
        + _COMMON,
    ),
    Target(
        "2.2.5",
        "3.10",
        (
            "Werkzeug==2.2.3",
            "Jinja2==3.1.2",
            "itsdangerous==2.1.2",
            "MarkupSafe==2.1.5",
            "click==8.1.7",
            "Flask-SQLAlchemy==2.5.1",
            "SQLAlchemy==1.4.54",
            "celery",
            "Flask-APScheduler==1.13.1",
            "pytest-flask==1.3.0",
        )
        + _COMMON,
    ),
    Target(
        "2.3.3",
        "3.11",
        (
            "Werkzeug==2.3.8",
            "Jinja2==3.1.4",
            "itsdangerous==2.1.2",
            "MarkupSafe==2.1.5",
            "click==8.1.7",
            "blinker==1.7.0",
            "Flask-SQLAlchemy==3.1.1",
            "SQLAlchemy==2.0.36",
            "celery",
            "Flask-APScheduler==1.13.1",
            "pytest-flask==1.3.0",
        )
        + _COMMON,
    ),
    Target(
        "3.0.3",
        "3.11",
        (
            "Werkzeug==3.0.6",
            "Jinja2==3.1.4",
            "itsdangerous==2.2.0",
            "MarkupSafe==2.1.5",
            "click==8.1.7",
            "blinker==1.8.2",
            "Flask-SQLAlchemy==3.1.1",
            "SQLAlchemy==2.0.36",
            "celery",
            "Flask-APScheduler==1.13.1",
            "pytest-flask==1.3.0",
        )
        + _COMMON,
    ),
    Target(
        "3.1.3",
        "3.12",
        (
            "Werkzeug==3.1.3",
            "Jinja2==3.1.6",
            "itsdangerous==2.2.0",
            "MarkupSafe==3.0.2",
            "click==8.1.8",
            "blinker==1.9.0",
            "Flask-SQLAlchemy==3.1.1",
            "SQLAlchemy==2.0.36",
            "celery",
            "Flask-APScheduler==1.13.1",
            "pytest-flask==1.3.0",
        )
        + _COMMON,
    ),
)


def say(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Virtualenvs


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def find_python(version: str) -> tuple[str, str]:
    """An interpreter of that minor version (PATH, then pyenv), else this one; and its version."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p / "bin" / f"python{version}") for p in sorted(pyenv.glob(f"{version}.*"))]
    for c in candidates:
        if c and Path(c).is_file():
            proc = subprocess.run(
                [c, "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
            )
            if proc.returncode == 0:
                return c, proc.stdout.strip()
    return sys.executable, sys.version.split()[0]


def ensure_venv(target: Target, cache: Path) -> Path:
    """The virtualenv for a target, made or remade when its pins changed; returns its python."""
    venv = cache / target.folder
    stamp = venv / ".ctxfix-pins"
    base, version = find_python(target.python)
    if not version.startswith(target.python + "."):
        say(f"[{target.folder}] Python {target.python} not found; using {version}")
    want = "\n".join((f"python {version}", f"Flask=={target.flask}", *target.pins)) + "\n"
    py = venv_python(venv)
    if stamp.is_file() and stamp.read_text() == want and py.exists():
        return py
    say(f"[{target.folder}] creating {venv} with Python {version}")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    cmd = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    proc = subprocess.run(
        [*cmd, f"Flask=={target.flask}", *target.pins], capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"[{target.folder}] pip install failed:\n{tail}")
    stamp.write_text(want)
    return py


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
        text = re.sub(r"\bin \d+\.\d+s\b", "in 0.10s", text)
        text = re.sub(r"\b(succeeded|raised) in \d+(?:\.\d+)?(?:e-\d+)?s", r"\1 in 0.01s", text)
        text = re.sub(r"(127\.0\.0\.1|localhost|0\.0\.0\.0)[:](\d{2,5})\b", self._port, text)
        text = re.sub(r"\b(pid[ =:]+|PID )\d{2,}\b", r"\g<1>4242", text)
        text = re.sub(
            r"\b(ident=|native_id=|started (?:daemon )?)\d{3,}", r"\g<1>140230000000000", text
        )
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


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flask", action="append", default=[], metavar="VERSION")
    ap.add_argument("--cause", action="append", default=[], metavar="CAUSE")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(
            os.environ.get("CTXFIX_CORPUS_CACHE", Path.home() / ".cache" / "ctxfix-corpus")
        ),
    )
    ap.add_argument("-j", "--jobs", type=int, default=verify.default_jobs())
    ap.add_argument("--list", action="store_true", help="print the versions and pins, and stop")
    args = ap.parse_args(argv)

    targets = [t for t in TARGETS if not args.flask or t.flask in args.flask]
    if args.flask and len(targets) != len(set(args.flask)):
        known = ", ".join(t.flask for t in TARGETS)
        ap.error(f"unknown Flask version in {args.flask}; known: {known}")
    if args.list:
        for t in targets:
            say(f"Flask {t.flask}: {' '.join(t.pins)}")
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
