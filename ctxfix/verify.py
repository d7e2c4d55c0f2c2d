"""Prove each cause on real code: run its broken and fixed examples and check the contract.

Every cause folder may hold ``examples/<name>/`` with an ``example.yaml`` beside a ``broken/`` and
a ``fixed/`` program. For each example, in a fresh temporary folder and a process group of its
own, with a time limit:

1. the broken program must print a Flask context error of one of the cause's families;
2. ``ctxfix explain`` on exactly what it printed must name this cause first (and the variant the
   example declares);
3. the fixed program must exit 0, print no context error, and print ``ctxfix verify: ok``.

This module decides and returns dataclasses; it prints nothing and imports no rich or click.
``scripts/capture_corpus.py`` reuses the runner to record tracebacks under other Flask versions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from ctxfix.files import read_regular
from ctxfix.knowledge import Cause, KnowledgeBase
from ctxfix.render.templates import VERIFY_MARKER, paste_verify

__all__ = [
    "DEFAULT_TIMEOUT",
    "NO_EXAMPLES",
    "OK_LINE",
    "REPORT_VERSION",
    "Example",
    "Report",
    "Result",
    "Run",
    "context_families",
    "default_jobs",
    "examples_of",
    "find_examples",
    "flask_version",
    "install_hint",
    "load_example",
    "missing_modules",
    "run_program",
    "skip_reason",
    "verify",
    "verify_example",
    "verify_versions",
    "Matrix",
    "VersionRun",
    "prove_patch",
    "version_matches",
]

REPORT_VERSION = 1
DEFAULT_TIMEOUT = 60.0
OK_LINE = "ctxfix verify: ok"
EXAMPLE_FILE = "example.yaml"

_KEYS = {"title", "variant", "run", "stdin", "requires", "services", "flask", "timeout", "patch"}
_OUTPUT_LIMIT = 4 * 1024 * 1024
WRITE_LIMIT = 16 * 1024 * 1024
"""A program that prints more than this is stopped: output is written to a temporary file."""
COPY_LIMIT = 64 * 1024 * 1024
"""An example folder holding more than this (or a FIFO, a device) is not copied or run."""
_MARKER = "CTXFIX_VERIFY_RUN"
"""Set in each program's environment, so its processes can be found when they leave its group."""
_POLL = 0.05

# Module -> the distribution that provides it, for install hints. Modules the bundled examples need
# come with the `verify` extra; anything else gets a plain `pip install`.
_PIP_NAMES = {
    "flask": "Flask",
    "celery": "celery",
    "rq": "rq",
    "redis": "redis",
    "apscheduler": "APScheduler",
    "flask_apscheduler": "Flask-APScheduler",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "sqlalchemy": "SQLAlchemy",
    "pytest": "pytest",
    "pytest_flask": "pytest-flask",
    "asgiref": "asgiref",
    "flask_socketio": "Flask-SocketIO",
    "quart": "quart",
    "connexion": "connexion[flask]",
}
_IN_VERIFY_EXTRA = set(_PIP_NAMES)
_SERVICE_HINTS = {
    "redis-server": "apt-get install redis-server, brew install redis, or conda install redis",
}

# Variables that would change how an example program behaves if they leaked in from the caller.
_SCRUB = (
    "FLASK_APP",
    "FLASK_DEBUG",
    "FLASK_ENV",
    "FLASK_RUN_HOST",
    "FLASK_RUN_PORT",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
    "CELERY_CONFIG_MODULE",
    "RQ_REDIS_URL",
)


@dataclass(frozen=True)
class Example:
    """One example program of a cause, as its example.yaml describes it."""

    cause: str
    name: str
    path: Path
    title: str = ""
    run: tuple[str, ...] = ("python", "main.py")
    variant: Optional[str] = None
    stdin: Optional[str] = None
    requires: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    flask: Optional[str] = None
    timeout: float = DEFAULT_TIMEOUT
    problems: tuple[str, ...] = ()
    """What is wrong with the example itself; an example with problems fails without running."""
    no_patch: Optional[str] = None
    """Why the printed patch cannot be proven on this example (its `patch:` key); None: it must."""

    @property
    def broken(self) -> Path:
        return self.path / "broken"

    @property
    def fixed(self) -> Path:
        return self.path / "fixed"

    @property
    def label(self) -> str:
        return f"{self.cause}/{self.name}"


@dataclass
class Run:
    """One run of a program: what it printed (stdout and stderr interleaved) and how it ended."""

    argv: list[str]
    output: str
    returncode: Optional[int]
    seconds: float
    timed_out: bool = False
    leftovers: bool = False
    """The program left processes running (in its group, or gone off on their own); the runner
    stopped them."""
    flooded: bool = False
    """The program printed more than WRITE_LIMIT; the runner stopped it."""


@dataclass
class Result:
    """The verdict on one example. ``problems`` says in words why a step failed."""

    cause: str
    example: str
    reproduced: bool = False
    diagnosed: bool = False
    fixed: bool = False
    skipped: Optional[str] = None
    seconds: float = 0.0
    variant: Optional[str] = None
    diagnosis: Optional[str] = None
    """What explain named first, as ``cause`` or ``cause (variant)``; None when it named nothing."""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    broken_output: str = ""
    fixed_output: str = ""
    patched: Optional[bool] = None
    """The printed patch made the broken program run clean; None when there is none to prove."""
    no_patch: Optional[str] = None
    """Why the patch is not proven, as the example says (and explain --diff bore out)."""
    patch: str = ""
    patched_output: str = ""

    @property
    def passed(self) -> bool:
        return (
            self.skipped is None
            and self.reproduced
            and self.diagnosed
            and self.fixed
            and (self.patched is True or self.no_patch is not None)
        )

    @property
    def failed(self) -> bool:
        return self.skipped is None and not self.passed

    def record(self) -> dict:
        """The result as the JSON report (report_version 1) describes it."""
        return {
            "cause": self.cause,
            "example": self.example,
            "reproduced": self.reproduced,
            "diagnosed": self.diagnosed,
            "fixed": self.fixed,
            "patched": self.patched,
            "no_patch": self.no_patch,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class Report:
    """Every result of one verify run, in the order of the examples, and the wall time."""

    results: list[Result]
    seconds: float = 0.0
    jobs: int = 1

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.results)

    @property
    def skipped(self) -> int:
        return sum(r.skipped is not None for r in self.results)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        causes = len({r.cause for r in self.results})
        n = len(self.results)
        return (
            f"ctxfix verify: {n} example{'s' if n != 1 else ''} of {causes} "
            f"cause{'s' if causes != 1 else ''}: {self.passed} proven, {self.failed} failed, "
            f"{self.skipped} skipped in {self.seconds:.1f}s"
        )

    def to_json(self) -> str:
        doc = {"report_version": REPORT_VERSION, "results": [r.record() for r in self.results]}
        return json.dumps(doc, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Finding and reading examples


def examples_dir(cause: Cause) -> Path:
    """The folder that holds a cause's examples (it may not exist)."""
    return Path(cause.path).parent / "examples"


NO_EXAMPLES = "(none)"
"""The example name of the failing row verify reports for a cause that has no examples."""


def examples_of(cause: Cause) -> list[Example]:
    """Every example of one cause, sorted by name."""
    folder = examples_dir(cause)
    if not folder.is_dir():
        return []
    known = {v.id for v in cause.variants}
    return [
        load_example(cause.id, d, known)
        for d in sorted(folder.iterdir())
        if d.is_dir() and not d.name.startswith((".", "_"))
    ]


def find_examples(kb: KnowledgeBase, causes: Sequence[str] = ()) -> list[Example]:
    """The examples of the named causes (all causes when none is named), cause by cause.

    A cause without examples is not proven: it gets a placeholder Example whose problem says so.
    """
    out: list[Example] = []
    for cid in causes or sorted(kb.causes):
        found = examples_of(kb.causes[cid])
        if not found:
            folder = examples_dir(kb.causes[cid])
            found = [
                Example(
                    cid,
                    NO_EXAMPLES,
                    folder,
                    problems=(f"no examples: add one under {folder}/<name>/",),
                )
            ]
        out.extend(found)
    return out


def _str_list(value: object) -> Optional[tuple[str, ...]]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def load_example(cause_id: str, folder: Path, variants: Iterable[str] = ()) -> Example:
    """Read ``folder/example.yaml``; every problem found is kept on the returned Example."""
    import yaml

    problems: list[str] = []
    spec = folder / EXAMPLE_FILE
    data: object = None
    try:
        data = yaml.safe_load(read_regular(spec, 64 * 1024).decode("utf-8"))
    except FileNotFoundError:
        problems.append(f"{spec}: missing")
    except OSError as exc:
        problems.append(f"{spec}: cannot be read: {exc.strerror or exc}")
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.append(f"{spec}: cannot be read: {first}")
    if data is None and not problems:
        problems.append(f"{spec}: empty")
    if data is not None and not isinstance(data, dict):
        problems.append(f"{spec}: must be a mapping of keys to values")
    d: dict = data if isinstance(data, dict) else {}
    for key in sorted(set(d) - _KEYS, key=str):
        problems.append(f"{spec}: unknown key '{key}' (known: {', '.join(sorted(_KEYS))})")

    kw: dict = {}
    if "title" in d:
        if isinstance(d["title"], str) and d["title"].strip():
            kw["title"] = d["title"].strip()
        else:
            problems.append(f"{spec}: 'title' must be a line of text")
    elif isinstance(data, dict):
        problems.append(f"{spec}: missing 'title'")
    if "run" in d:
        run = _str_list(d["run"]) if isinstance(d["run"], list) else None
        if not run:
            problems.append(f"{spec}: 'run' must be a list of arguments, e.g. [python, main.py]")
        else:
            kw["run"] = run
    for key in ("requires", "services"):
        if key in d:
            items = _str_list(d[key]) if d[key] != [] else ()
            if items is None:
                problems.append(f"{spec}: '{key}' must be a list of names")
            else:
                kw[key] = items
    for key in ("variant", "stdin", "flask", "patch"):
        if key in d:
            if isinstance(d[key], str) and d[key].strip():
                kw[key] = d[key] if key == "stdin" else d[key].strip()
            else:
                problems.append(f"{spec}: '{key}' must be text")
    if "timeout" in d:
        t = d["timeout"]
        if isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0:
            kw["timeout"] = float(t)
        else:
            problems.append(f"{spec}: 'timeout' must be a positive number of seconds")
    known = set(variants)
    if kw.get("variant") and kw["variant"] not in known:
        have = ", ".join(sorted(known)) or "none"
        problems.append(f"{spec}: cause '{cause_id}' has no variant '{kw['variant']}' ({have})")
    if kw.get("flask"):
        try:
            version_matches("1.0", kw["flask"])
        except ValueError as exc:
            problems.append(f"{spec}: 'flask': {exc}")
    for part in ("broken", "fixed"):
        if not (folder / part).is_dir():
            problems.append(f"{folder / part}: missing (the {part} program goes there)")
    if "patch" in kw:
        kw["no_patch"] = " ".join(kw.pop("patch").split())
    return Example(cause_id, folder.name, folder, problems=tuple(problems), **kw)


# ---------------------------------------------------------------------------------------------
# Requirements


_SPEC = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)?\s*([0-9][0-9A-Za-z.*+!-]*)\s*$")
_RELEASE = re.compile(r"^(?:\d+!)?(\d+(?:\.\d+)*)(.*)$")


def _version_key(v: str) -> tuple[tuple[int, ...], int]:
    m = _RELEASE.match(v.strip().lstrip("vV"))
    if not m:
        raise ValueError(f"'{v}' is not a version")
    release = tuple(int(x) for x in m.group(1).split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    rest = m.group(2).lower().lstrip(".-_")
    # dev/alpha/beta/rc come before the release; post releases and local labels after it
    rank = 0 if rest[:1] in ("a", "b", "c", "d", "r") and not rest.startswith("post") else 1
    return release, rank if rest else 1


def version_matches(version: str, spec: str) -> bool:
    """True when ``version`` lies in the PEP 440 range ``spec`` (e.g. ``">=2.2, <3"``).

    Covers what example ranges use: comparisons, ``==X.*`` and ``~=``. Raises ValueError on a
    range it cannot read.
    """
    have = _version_key(version)
    for clause in spec.split(","):
        if not clause.strip():
            continue
        m = _SPEC.match(clause)
        if not m:
            raise ValueError(f"cannot read the version range '{spec}'")
        op, ver = m.group(1) or "==", m.group(2)
        if ver.endswith(".*"):
            prefix = _version_key(ver[:-2])[0]
            got = have[0] + (0,) * len(prefix)
            inside = got[: len(prefix)] == prefix
            if (op == "==" and not inside) or (op == "!=" and inside):
                return False
            if op not in ("==", "!="):
                raise ValueError(f"'{clause.strip()}': .* works only with == and !=")
            continue
        want = _version_key(ver)
        if op == "~=":
            parts = _RELEASE.match(ver).group(1).split(".")  # type: ignore[union-attr]
            if len(parts) < 2:
                raise ValueError(f"'{clause.strip()}': ~= needs at least two version parts")
            stem = tuple(int(x) for x in parts[:-1])
            got = have[0] + (0,) * len(stem)
            if have < want or got[: len(stem)] != stem:
                return False
            continue
        ok = {
            "==": have == want,
            "===": have == want,
            "!=": have != want,
            "<": have < want,
            "<=": have <= want,
            ">": have > want,
            ">=": have >= want,
        }[op]
        if not ok:
            return False
    return True


def flask_version(python: Optional[str] = None) -> Optional[str]:
    """The Flask version installed for ``python`` (this interpreter by default), or None."""
    if python is None or _same_python(python):
        from importlib import metadata

        try:
            return metadata.version("flask")
        except metadata.PackageNotFoundError:
            return None
    code = (
        "from importlib import metadata\n"
        "try: print(metadata.version('flask'))\n"
        "except metadata.PackageNotFoundError: pass\n"
    )
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return proc.stdout.strip() or None


def _same_python(python: str) -> bool:
    """Whether ``python`` is this interpreter in this environment. A virtualenv's python is a
    link to the interpreter it was made from, so the same file is not enough: every virtualenv
    made from this Python would pass, and its packages would be taken for ours."""
    try:
        if not os.path.samefile(python, sys.executable):
            return False
    except OSError:
        return False
    return _venv_root(python) == _venv_root(sys.executable)


def _venv_root(python: str) -> Optional[str]:
    """The virtualenv ``python`` runs in (the folder with its pyvenv.cfg), or None outside one."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    return root if os.path.isfile(os.path.join(root, "pyvenv.cfg")) else None


def missing_modules(modules: Iterable[str], python: Optional[str] = None) -> list[str]:
    """The modules in ``modules`` that ``python`` (this interpreter by default) cannot import."""
    mods = list(modules)
    if not mods:
        return []
    if python is None or _same_python(python):
        out = []
        for m in mods:
            try:
                found = importlib.util.find_spec(m) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                out.append(m)
        return out
    code = (
        "import importlib.util, sys\n"
        "def ok(m):\n"
        "    try: return importlib.util.find_spec(m) is not None\n"
        "    except (ImportError, ValueError): return False\n"
        "print('\\n'.join(m for m in sys.argv[1:] if not ok(m)))\n"
    )
    proc = subprocess.run([python, "-c", code, *mods], capture_output=True, text=True, timeout=60)
    return [line for line in proc.stdout.splitlines() if line.strip()]


def install_hint(module: str) -> str:
    """How to get a missing module, in a few words."""
    if module.split(".")[0] in _IN_VERIFY_EXTRA:
        name = _PIP_NAMES[module.split(".")[0]]
        return f'pip install "ctxfix[verify]" (or pip install {name})'
    return f"pip install the package that provides it (often: pip install {module})"


def skip_reason(
    example: Example, *, python: Optional[str] = None, flask: Optional[str] = None
) -> Optional[str]:
    """Why ``example`` cannot run here (a missing module, program or Flask version), or None.

    ``flask`` is the installed Flask version when the caller knows it already.
    """
    missing = missing_modules(example.requires, python)
    if missing:
        return f"needs the module {missing[0]}: {install_hint(missing[0])}"
    for svc in example.services:
        if shutil.which(svc) is None:
            hint = _SERVICE_HINTS.get(svc, "install it and put it on PATH")
            return f"needs {svc} on PATH: {hint}"
    if example.flask:
        have = flask or flask_version(python)
        if have is None:
            return f'needs Flask {example.flask}: pip install "flask{example.flask}"'
        if not version_matches(have, example.flask):
            return f"runs on Flask {example.flask} only; Flask {have} is installed"
    return None


# ---------------------------------------------------------------------------------------------
# Running programs


def _env(base: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for key in _SCRUB:
        env.pop(key, None)
    env.update(
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS="100",
    )
    env.pop("FORCE_COLOR", None)
    env.pop("PY_COLORS", None)
    return env


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _strays(session: int, marker: str) -> list[int]:
    """Processes of a run that left its process group: in its session, or carrying its marker
    in their environment (a grandchild that called setsid() is in neither its group nor its
    session). Found through /proc, so on Linux only; zombies do not count."""
    if not os.path.isdir("/proc/self"):
        return []
    needle = f"{_MARKER}={marker}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] == b"Z":
                continue
            if int(fields[3]) == session:
                found.append(int(name))
                continue
            with open(f"/proc/{name}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _stop_group(proc: subprocess.Popen, marker: str = "") -> bool:
    """Stop whatever is left of the program: its process group, its session, and processes
    that carry the run's marker; True when something was left."""
    if os.name != "posix":
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            return True
        return False
    pgid = proc.pid
    left = False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        strays = _strays(pgid, marker) if marker else []
        if not _group_alive(pgid) and not strays:
            break
        left = True
        for kill, target in [(os.killpg, pgid)] + [(os.kill, pid) for pid in strays]:
            try:
                kill(target, sig)
            except OSError:
                pass
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if proc.poll() is None:
                try:
                    proc.wait(timeout=_POLL)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(_POLL)
            if not _group_alive(pgid) and not (_strays(pgid, marker) if marker else []):
                break
    if proc.poll() is None:
        proc.wait()
    return left


class _CopyRefused(Exception):
    """An example folder that is not copied: what is wrong, in words."""


_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")
_COPY_FILES = 10_000


def _copy_example(source: Path, dest: Path) -> None:
    """Copy an example folder as regular files: a link to a file is copied as that file (the
    verify snippet is pasted into the copy, never through a link), and a link to a folder, a
    FIFO, a device, more than COPY_LIMIT bytes or _COPY_FILES files raise _CopyRefused."""
    left = [COPY_LIMIT, _COPY_FILES]

    def ignore(folder: str, names: list[str]) -> set[str]:
        for name in names:
            if os.path.islink(os.path.join(folder, name)) and os.path.isdir(
                os.path.join(folder, name)
            ):
                raise _CopyRefused(f"{os.path.join(folder, name)}: a link to a folder")
        return _SKIP(folder, names)

    def copy(src: str, dst: str) -> str:
        left[1] -= 1
        if left[1] < 0:
            raise _CopyRefused(f"{source}: more than {_COPY_FILES} files")
        try:
            data = read_regular(src, left[0])
        except OSError as exc:
            raise _CopyRefused(f"{src}: {exc.strerror or exc}") from None
        left[0] -= len(data)
        with open(dst, "wb") as fh:
            fh.write(data)
        shutil.copymode(src, dst)
        return dst

    shutil.copytree(source, dest, ignore=ignore, copy_function=copy)


def run_program(
    argv: Sequence[str],
    source: Path,
    *,
    python: Optional[str] = None,
    stdin: Optional[str] = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Optional[dict[str, str]] = None,
    workdir: Optional[Path] = None,
    prepare: Optional[Callable[[Path], None]] = None,
) -> Run:
    """Copy ``source`` to a fresh temporary folder and run ``argv`` there.

    ``prepare`` is called with the copy's folder before the program starts.

    ``python`` in argv[0] means ``python`` (this interpreter by default). stdout and stderr are
    captured together, in the order they were written, through a file, so a stray grandchild
    holding the pipe open cannot hang the run. The program gets a process group of its own; on
    timeout, and after it exits, whatever is left of the group is stopped. ``workdir`` (a folder
    that must not exist yet) replaces the temporary folder and is left in place.
    """
    py = python or sys.executable
    args = [py if (i == 0 and a == "python") else a for i, a in enumerate(argv)]
    base = Path(tempfile.mkdtemp(prefix="ctxfix-verify-")) if workdir is None else None
    cwd = workdir if workdir is not None else base / "project"  # type: ignore[operator]
    try:
        try:
            _copy_example(source, cwd)
        except _CopyRefused as exc:
            return Run(args, f"cannot copy the example: {exc}", None, 0.0)
        if prepare is not None:
            prepare(cwd)
        out_path = cwd.parent / f".{cwd.name}.out" if base is None else base / "output.txt"
        in_path = out_path.with_suffix(".in")
        in_path.write_bytes((stdin or "").encode("utf-8"))
        kwargs: dict = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        start = time.monotonic()
        timed_out = flooded = False
        marker = os.urandom(8).hex()
        with open(out_path, "wb") as out, open(in_path, "rb") as inp:
            try:
                proc = subprocess.Popen(
                    args,
                    cwd=cwd,
                    stdin=inp if stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=dict(_env(env), **{_MARKER: marker}),
                    **kwargs,
                )
            except OSError as exc:
                return Run(args, f"cannot start {args[0]}: {exc.strerror or exc}", None, 0.0)
            timed_out, flooded = _wait(proc, out.fileno(), start + timeout)
            leftovers = _stop_group(proc, marker)
        seconds = time.monotonic() - start
        with open(out_path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > _OUTPUT_LIMIT:
                fh.seek(size - _OUTPUT_LIMIT)
            data = fh.read()
        if base is None:
            out_path.unlink(missing_ok=True)
            in_path.unlink(missing_ok=True)
        return Run(
            args,
            data.decode("utf-8", errors="replace").replace("\r\n", "\n"),
            None if timed_out or flooded else proc.returncode,
            seconds,
            timed_out,
            leftovers and not timed_out and not flooded,
            flooded,
        )
    finally:
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def _wait(proc: subprocess.Popen, out: int, deadline: float) -> tuple[bool, bool]:
    """Wait for the program to end; (timed out, printed more than WRITE_LIMIT)."""
    while True:
        try:
            proc.wait(timeout=max(0.0, min(_POLL, deadline - time.monotonic())))
            return False, False
        except subprocess.TimeoutExpired:
            pass
        if os.fstat(out).st_size > WRITE_LIMIT:
            return False, True
        if time.monotonic() >= deadline:
            return True, False


def context_families(kb: KnowledgeBase, text: str) -> list[str]:
    """The error family of every Flask context error in ``text``, in order."""
    from ctxfix.engine import explain_lines

    return [f.family for f in explain_lines(kb, text.splitlines()).findings]


def _explain(text: str, knowledge_dirs: Sequence[str]) -> tuple[Optional[dict], str]:
    """Run ``ctxfix explain --format json`` on ``text``; the first finding, or why there is none."""
    argv = [sys.executable, "-m", "ctxfix"]
    for d in knowledge_dirs:
        argv += ["--knowledge-dir", str(d)]
    argv += ["explain", "--format", "json", "--no-ask", "-"]
    try:
        proc = subprocess.run(
            argv,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=120,
            env=_env(dict(os.environ)),
        )
    except subprocess.TimeoutExpired:
        return None, "ctxfix explain did not finish within 120s"
    try:
        doc = json.loads(proc.stdout.decode("utf-8", errors="replace"))
    except ValueError:
        err = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return None, f"ctxfix explain failed (exit {proc.returncode}): {err[-1] if err else ''}"
    findings = doc.get("findings") or []
    if not findings:
        return None, "ctxfix explain found no Flask context error in the output"
    return findings[0], ""


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1][:160] if lines else "(it printed nothing)").replace("\n", " ")


def _ended(run: Run, timeout: float) -> str:
    if run.timed_out:
        return f"timed out after {timeout:g}s"
    if run.flooded:
        return f"stopped after printing more than {WRITE_LIMIT // (1024 * 1024)} MB"
    return f"exit {run.returncode}"


def verify_example(
    kb: KnowledgeBase,
    example: Example,
    knowledge_dirs: Sequence[str] = (),
    *,
    python: Optional[str] = None,
    flask: Optional[str] = None,
) -> Result:
    """Run one example through the three steps of the contract."""
    res = Result(example.cause, example.name, variant=example.variant)
    if example.problems:
        res.problems.extend(example.problems)
        return res
    reason = skip_reason(example, python=python, flask=flask)
    if reason:
        res.skipped = reason
        return res
    cause = kb.causes[example.cause]
    start = time.monotonic()

    base = Path(tempfile.mkdtemp(prefix="ctxfix-verify-"))
    try:
        broken = run_program(
            example.run,
            example.broken,
            python=python,
            stdin=example.stdin,
            timeout=example.timeout,
            workdir=base / "project",
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    res.broken_output = broken.output
    fams = context_families(kb, broken.output)
    stopped = broken.timed_out or broken.flooded
    res.reproduced = any(f in cause.families for f in fams) and not stopped
    if broken.timed_out:
        res.problems.append(f"broken {_ended(broken, example.timeout)}: it must end by itself")
    elif broken.flooded:
        res.problems.append(f"broken {_ended(broken, example.timeout)}: it must print less")
    elif not res.reproduced:
        what = (
            f"a context error of another kind ({', '.join(fams)})"
            if fams
            else f"no context error; last line: {_last_line(broken.output)}"
        )
        res.problems.append(
            f"broken ({_ended(broken, example.timeout)}) printed {what}, not one of the cause's "
            f"families ({', '.join(cause.families)})"
        )
    if broken.leftovers:
        res.notes.append("broken left processes running; verify stopped them")

    first: Optional[dict] = None
    if res.reproduced:
        first, why = _explain(broken.output, knowledge_dirs)
        if first is None:
            res.problems.append(f"explain: {why}")
        else:
            got, got_v = first.get("cause"), first.get("variant")
            res.diagnosis = f"{got} ({got_v})" if got and got_v else got
            want = f"{example.cause} ({example.variant})" if example.variant else example.cause
            if got != example.cause:
                named = f"named {got} first" if got else "did not settle the cause"
                cands = first.get("candidates") or []
                tail = f" (candidates: {', '.join(cands)})" if cands and not got else ""
                res.problems.append(f"explain {named}{tail}, expected {want}")
            elif example.variant and got_v != example.variant:
                res.problems.append(
                    f"explain named {example.cause} with variant {got_v or 'none'}, expected {want}"
                )
            else:
                res.diagnosed = True
    else:
        res.problems.append("explain: not run, as the broken program did not show the error")

    snippet = cause.verify_for(example.variant)
    argv = [paste_verify(a, snippet) or a for a in example.run]
    stdin = example.stdin and (paste_verify(example.stdin, snippet) or example.stdin)
    pasted: list[tuple[str, str]] = [("", a) for a in example.run if VERIFY_MARKER in a]
    pasted += [("", example.stdin)] if example.stdin and VERIFY_MARKER in example.stdin else []

    def paste(folder: Path) -> None:
        for path in sorted(folder.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            new = paste_verify(text, snippet)
            if new is not None:
                path.write_text(new, encoding="utf-8")
                pasted.append((path.relative_to(folder).as_posix(), text))

    fixed = run_program(
        argv, example.fixed, python=python, stdin=stdin, timeout=example.timeout, prepare=paste
    )
    misplaced = False
    if not pasted:
        res.notes.append(
            f"the verify snippet is not proven: no '{VERIFY_MARKER}' line in the fixed example"
        )
    elif first is not None and first.get("location"):
        # At the failing line: in the function that failed (which its fix may move to another
        # file). Code that failed at import time is moved by its fix within its file, so there
        # the snippet may go anywhere in that file.
        loc = first["location"]
        where = loc.get("function") or "<module>"
        name = loc.get("path", "").replace("\\", "/").rsplit("/", 1)[-1]
        places = {place for _, text in pasted for place in _marked_scopes(text)}
        if where == "<module>":
            misplaced = not any(not rel or rel.rsplit("/", 1)[-1] == name for rel, _ in pasted)
        else:
            misplaced = where not in places
        if misplaced:
            res.problems.append(
                f"the verify snippet is pasted in {', '.join(sorted(places))}, "
                f"but the error was in {where} ({name})"
            )
    res.fixed_output = fixed.output
    fixed_fams = context_families(kb, fixed.output)
    ok_line = any(OK_LINE in line for line in fixed.output.splitlines())
    if fixed.returncode != 0:
        res.problems.append(
            f"fixed: {_ended(fixed, example.timeout)}; last line: {_last_line(fixed.output)}"
        )
    if fixed_fams:
        res.problems.append(f"fixed still prints a context error ({', '.join(fixed_fams)})")
    if not ok_line:
        res.problems.append(f"fixed did not print '{OK_LINE}'")
    if fixed.leftovers:
        res.notes.append("fixed left processes running; verify stopped them")
    res.fixed = fixed.returncode == 0 and not fixed_fams and ok_line and not misplaced
    if res.reproduced:
        prove_patch(kb, example, res, base / "project", knowledge_dirs, python=python)
    res.seconds = time.monotonic() - start
    return res


def _marked_scopes(text: str) -> set[str]:
    """The function around each VERIFY_MARKER line of ``text`` ("<module>" at the top level)."""
    import ast

    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == VERIFY_MARKER]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    out = set()
    for line in lines:
        around = [f for f in functions if f.lineno <= line <= (f.end_lineno or f.lineno)]
        out.add(max(around, key=lambda f: f.lineno).name if around else "<module>")
    return out


def prove_patch(
    kb: KnowledgeBase,
    example: Example,
    res: Result,
    broken_root: Path,
    knowledge_dirs: Sequence[str] = (),
    *,
    python: Optional[str] = None,
) -> None:
    """Feed what the broken program printed to `explain --diff`, apply it to a fresh copy with
    `patch -p0`, and run that: it must succeed with no context error.

    The broken program ran in ``broken_root``, so its traceback's paths are mapped onto the copy
    with --project-root, as for a traceback from another machine. An example whose ``patch:``
    says why it has none must get no patch, and explain must say why on stderr.
    """
    from ctxfix.patch import makes_patch

    if not makes_patch(example.cause):
        res.no_patch = "ctxfix makes no patch for this cause (its edit is not built in)"
        return
    if shutil.which("patch") is None:
        res.no_patch = "not proven here: needs GNU patch on PATH"
        return
    base = Path(tempfile.mkdtemp(prefix="ctxfix-patch-"))
    try:
        work = base / "project"
        shutil.copytree(example.broken, work, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        argv = [sys.executable, "-m", "ctxfix"]
        for d in knowledge_dirs:
            argv += ["--knowledge-dir", str(d)]
        argv += ["explain", "--diff", "--no-ask", "--project-root", str(broken_root), "-"]
        try:
            proc = subprocess.run(
                argv,
                input=res.broken_output.encode("utf-8"),
                capture_output=True,
                timeout=120,
                cwd=work,
                env=_env(dict(os.environ)),
            )
        except subprocess.TimeoutExpired:
            res.problems.append("patch: explain --diff did not finish within 120s")
            res.patched = False
            return
        diff = proc.stdout.decode("utf-8", errors="replace")
        said = [ln for ln in proc.stderr.decode("utf-8", errors="replace").splitlines() if ln]
        res.patch = diff
        if example.no_patch is not None and not diff:
            if proc.returncode != 1 or not said:
                res.problems.append(
                    f"patch: explain --diff exited {proc.returncode} with no patch and "
                    f"{'said nothing' if not said else 'a note'} on stderr"
                )
            else:
                res.no_patch = example.no_patch
            return
        if proc.returncode != 0 or not diff:
            why = said[-1] if said else f"exit {proc.returncode}"
            res.problems.append(f"patch: none printed: {why}")
            res.patched = False
            return
        applied = subprocess.run(
            ["patch", "-p0", "--batch", "--forward", "--quiet"],
            input=proc.stdout,
            capture_output=True,
            cwd=work,
            timeout=60,
        )
        if applied.returncode != 0:
            out = (applied.stdout + applied.stderr).decode("utf-8", errors="replace")
            res.problems.append(f"patch: patch -p0 failed: {_last_line(out)}")
            res.patched = False
            return
        run = run_program(
            example.run, work, python=python, stdin=example.stdin, timeout=example.timeout
        )
        res.patched_output = run.output
        fams = context_families(kb, run.output)
        if example.no_patch is not None:
            # The patch cannot make this program pass (the example says why); it must still
            # make the context error go away.
            if fams:
                res.problems.append(f"patched still prints a context error ({', '.join(fams)})")
            else:
                res.no_patch = example.no_patch
            return
        if run.returncode != 0:
            res.problems.append(
                f"patched: {_ended(run, example.timeout)}; last line: {_last_line(run.output)}"
            )
        if fams:
            res.problems.append(f"patched still prints a context error ({', '.join(fams)})")
        res.patched = run.returncode == 0 and not fams
    finally:
        shutil.rmtree(base, ignore_errors=True)


def default_jobs() -> int:
    """Two workers on a small machine, up to four on a bigger one."""
    return max(1, min(4, os.cpu_count() or 2))


def verify(
    kb: KnowledgeBase,
    examples: Sequence[Example],
    knowledge_dirs: Sequence[str] = (),
    *,
    jobs: Optional[int] = None,
    on_result: Optional[Callable[[Result], None]] = None,
    python: Optional[str] = None,
) -> Report:
    """Verify every example with a small pool of workers; results keep the examples' order.

    ``on_result`` is called from the calling thread as each example finishes (for progress).
    ``python`` runs the programs with another interpreter (a virtualenv of another Flask).
    """
    n = jobs or default_jobs()
    start = time.monotonic()
    flask = flask_version(python)
    results: dict[int, Result] = {}
    if not examples:
        return Report([], 0.0, n)
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = {}
        for i, ex in enumerate(examples):
            fut = pool.submit(verify_example, kb, ex, knowledge_dirs, python=python, flask=flask)
            futures[fut] = i
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - one broken example must not stop the rest
                ex = examples[i]
                res = Result(ex.cause, ex.name, variant=ex.variant)
                res.problems.append(f"verify crashed on it: {type(exc).__name__}: {exc}")
            results[i] = res
            if on_result is not None:
                on_result(res)
    return Report([results[i] for i in range(len(examples))], time.monotonic() - start, n)


# ---------------------------------------------------------------------------------------------
# Every version: `ctxfix verify --flask 2.0,2.2,3.1`


@dataclass
class VersionRun:
    """What verify proved under one Flask version, or why it could not run there."""

    flask: str
    python: str = ""
    report: Optional[Report] = None
    error: Optional[str] = None


@dataclass
class Matrix:
    """verify under several Flask versions: a report per version, read as cause x version."""

    runs: list[VersionRun]
    causes: list[str]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.error is None and r.report is not None and r.report.ok for r in self.runs)

    def cell(self, cause: str, flask: str) -> tuple[str, list[Result]]:
        """``3/3`` examples proven (of those that run there), ``-`` none runs there, or why not."""
        run = next(r for r in self.runs if r.flask == flask)
        if run.report is None:
            return "error", []
        mine = [r for r in run.report.results if r.cause == cause]
        ran = [r for r in mine if r.skipped is None]
        if not ran:
            return "-", mine
        proven = sum(r.passed for r in ran)
        mark = f"{proven}/{len(ran)}"
        if proven != len(ran):
            return f"{mark} NO", mine
        return mark + ("*" if any(r.no_patch is not None for r in ran) else ""), mine

    def summary(self) -> str:
        good = sum(1 for r in self.runs if r.report is not None and r.report.ok)
        return (
            f"ctxfix verify --flask: {len(self.runs)} version{'s' if len(self.runs) != 1 else ''}, "
            f"{good} fully proven, in {self.seconds:.0f}s"
        )

    def to_json(self) -> str:
        doc = {
            "report_version": REPORT_VERSION,
            "versions": [
                {
                    "flask": r.flask,
                    "python": r.python,
                    "error": r.error,
                    "results": [x.record() for x in r.report.results] if r.report else [],
                }
                for r in self.runs
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)


def verify_versions(
    kb: KnowledgeBase,
    examples: Sequence[Example],
    targets: Sequence,
    knowledge_dirs: Sequence[str] = (),
    *,
    cache: Optional[Path] = None,
    jobs: Optional[int] = None,
    on_version: Optional[Callable[[VersionRun], None]] = None,
) -> Matrix:
    """Verify the examples in a virtualenv per Flask version (made once and kept in ``cache``).

    A version whose Python is missing, or whose packages cannot be installed, gets an error
    line and the others still run.
    """
    from ctxfix.flaskenvs import EnvError, default_cache, ensure_venv

    start = time.monotonic()
    runs = []
    for t in targets:
        run = VersionRun(t.flask)
        try:
            py = ensure_venv(t, cache or default_cache(), strict_python=True)
        except EnvError as exc:
            run.error = str(exc)
        else:
            run.python = subprocess.run(
                [str(py), "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            run.report = verify(kb, examples, knowledge_dirs, jobs=jobs, python=str(py))
        runs.append(run)
        if on_version is not None:
            on_version(run)
    causes = list(dict.fromkeys(ex.cause for ex in examples))
    return Matrix(runs, causes, time.monotonic() - start)
