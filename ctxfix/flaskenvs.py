"""The Flask versions ctxfix speaks of, each with the Python and library pins of its time.

`ctxfix verify --flask` and ``scripts/capture_corpus.py`` build a virtualenv per version (made
once, remade when its pins change) and run the bundled examples there. The versions need the
package index the first time a virtualenv is made, and an older Python for older Flask
(found on PATH as ``pythonX.Y``, or under pyenv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = [
    "TARGETS",
    "EnvError",
    "Target",
    "default_cache",
    "ensure_venv",
    "find_python",
    "pick",
    "venv_python",
]


class EnvError(Exception):
    """A version's virtualenv cannot be made; the message is one line."""


def default_cache() -> Path:
    """Where the virtualenvs live: CTXFIX_CORPUS_CACHE, else ~/.cache/ctxfix-corpus."""
    return Path(os.environ.get("CTXFIX_CORPUS_CACHE", Path.home() / ".cache" / "ctxfix-corpus"))


@dataclass(frozen=True)
class Target:
    flask: str
    python: str
    """The Python minor version of the time, so older traceback layouts are recorded too."""
    pins: tuple[str, ...]
    name: str = ""
    """The folder name when it is not flask-<version> (a second virtualenv for one Flask)."""

    @property
    def folder(self) -> str:
        return self.name or f"flask-{self.flask}"


# Every Flask-family pin matches what was current when that Flask came out (each target's own).
# Extensions: the newest release that still works with that Flask, as _extensions picks them.
# The rest is the newest release for that Python; installed.txt records what was used.
_COMMON = ("rq", "redis", "APScheduler<4", "pytest", "asgiref", "Flask-SocketIO")


def _extensions(flask: str) -> tuple[str, ...]:
    """The extension pins of that Flask's time, after its Flask-family pins.

    Flask-SQLAlchemy 2.5.1 up to Flask 2.2, so its "No application found" family is recorded;
    Celery 5.1 while Flask 1.1 pins click below 8; Flask-APScheduler 1.12.4, which needs `six`,
    and pytest-flask 1.2.0 before Flask 2.2.5; Connexion 3 (its Flask app runs behind its own
    ASGI middleware) from Flask 2.2, which it needs.
    """
    v = tuple(int(n) for n in flask.split("."))
    if v < (2, 3):
        sqlalchemy = ("Flask-SQLAlchemy==2.5.1", "SQLAlchemy==1.4.54")
    else:
        sqlalchemy = ("Flask-SQLAlchemy==3.1.1", "SQLAlchemy==2.0.36")
    celery = "celery==5.1.2" if v < (2, 0) else "celery"
    if v < (2, 2, 5):
        tools = ("Flask-APScheduler==1.12.4", "six==1.17.0", "pytest-flask==1.2.0")
    else:
        tools = ("Flask-APScheduler==1.13.1", "pytest-flask==1.3.0")
    connexion = ("connexion[flask]>=3",) if v >= (2, 2) else ()
    return (*sqlalchemy, celery, *tools, *_COMMON, *connexion)


def _target(flask: str, python: str, *family: str) -> Target:
    return Target(flask, python, (*family, *_extensions(flask)))


TARGETS = (
    _target(
        "1.1.4",
        "3.8",
        "Werkzeug==1.0.1",
        "Jinja2==2.11.3",
        "itsdangerous==1.1.0",
        "MarkupSafe==2.0.1",
        "click==7.1.2",
    ),
    _target(
        "2.0.3",
        "3.9",
        "Werkzeug==2.0.3",
        "Jinja2==3.0.3",
        "itsdangerous==2.0.1",
        "MarkupSafe==2.1.5",
        "click==8.1.7",
    ),
    _target(
        "2.1.3",
        "3.10",
        "Werkzeug==2.1.2",
        "Jinja2==3.1.2",
        "itsdangerous==2.1.2",
        "MarkupSafe==2.1.5",
        "click==8.1.7",
    ),
    _target(
        "2.2.5",
        "3.10",
        "Werkzeug==2.2.3",
        "Jinja2==3.1.2",
        "itsdangerous==2.1.2",
        "MarkupSafe==2.1.5",
        "click==8.1.7",
    ),
    _target(
        "2.3.3",
        "3.11",
        "Werkzeug==2.3.8",
        "Jinja2==3.1.4",
        "itsdangerous==2.1.2",
        "MarkupSafe==2.1.5",
        "click==8.1.7",
        "blinker==1.7.0",
    ),
    _target(
        "3.0.3",
        "3.11",
        "Werkzeug==3.0.6",
        "Jinja2==3.1.4",
        "itsdangerous==2.2.0",
        "MarkupSafe==2.1.5",
        "click==8.1.7",
        "blinker==1.8.2",
    ),
    _target(
        "3.1.3",
        "3.12",
        "Werkzeug==3.1.3",
        "Jinja2==3.1.6",
        "itsdangerous==2.2.0",
        "MarkupSafe==3.0.2",
        "click==8.1.8",
        "blinker==1.9.0",
    ),
)


# Signals (--signals): the releases that print the old signs knowledge/families.yaml knows, each
# with the Werkzeug/Jinja2/itsdangerous/MarkupSafe/click of its release and the extension
# releases of its time; plus the targets above, and two with the extensions the newer signs come
# from. SQLAlchemy 1.3.24 is the oldest with wheels for Python 3.7.


def pick(spec: str) -> list[Target]:
    """The targets a list like ``2.0,2.2,3.1`` (or ``all``) names; ValueError says which is unknown.

    A version may be given in full (2.0.3) or by its minor release (2.0).
    """
    words = [w.strip() for w in spec.split(",") if w.strip()]
    if not words:
        raise ValueError("--flask needs a list of versions, e.g. 2.0,2.2,3.1, or all")
    if words == ["all"]:
        return list(TARGETS)
    out: list[Target] = []
    known = ", ".join(t.flask for t in TARGETS)
    for w in words:
        found = [t for t in TARGETS if t.flask == w or t.flask.rsplit(".", 1)[0] == w]
        if not found:
            raise ValueError(f"unknown Flask version '{w}'; ctxfix speaks of {known} (or all)")
        if found[0] not in out:
            out.append(found[0])
    return out


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


def ensure_venv(
    target: Target,
    cache: Path,
    say: Callable[[str], None] = lambda _: None,
    strict_python: bool = False,
) -> Path:
    """The virtualenv for a target, made or remade when its pins changed; returns its python.

    Without the target's Python, this one is used (``strict_python``: EnvError instead).
    """
    venv = cache / target.folder
    stamp = venv / ".ctxfix-pins"
    base, version = find_python(target.python)
    if not version.startswith(target.python + "."):
        if strict_python:
            raise EnvError(
                f"Flask {target.flask} needs Python {target.python}, which is not here "
                f"(python{target.python} on PATH, or pyenv install {target.python})"
            )
        say(f"[{target.folder}] Python {target.python} not found; using {version}")
    want = "\n".join((f"python {version}", f"Flask=={target.flask}", *target.pins)) + "\n"
    py = venv_python(venv)
    if stamp.is_file() and stamp.read_text() == want and py.exists():
        return py
    say(f"[{target.folder}] creating {venv} with Python {version}")
    shutil.rmtree(venv, ignore_errors=True)
    if version.startswith("2."):
        # Python 2 has no venv module; virtualenv before 20.22 still makes Python 2 virtualenvs.
        try:
            import virtualenv  # noqa: F401
        except ImportError:
            raise EnvError("needs `pip install 'virtualenv<20.22'` here") from None
        make = [sys.executable, "-m", "virtualenv", "-q", "-p", base, str(venv)]
    else:
        make = [base, "-m", "venv", str(venv)]
    made = subprocess.run(make, capture_output=True, text=True)
    if made.returncode != 0:
        raise EnvError(f"cannot make a virtualenv with {base}: {made.stderr.strip()[-160:]}")
    cmd = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    proc = subprocess.run(
        [*cmd, f"Flask=={target.flask}", *target.pins], capture_output=True, text=True
    )
    if proc.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        lines = proc.stderr.strip().splitlines()
        offline = any(
            w in proc.stderr
            for w in ("NewConnectionError", "Temporary failure in name resolution", "Network is")
        )
        why = "no network to the package index?" if offline else "pip install failed"
        last = lines[-1].strip() if lines else f"exit {proc.returncode}"
        raise EnvError(f"cannot make the Flask {target.flask} virtualenv: {why} ({last[:160]})")
    stamp.write_text(want)
    return py
