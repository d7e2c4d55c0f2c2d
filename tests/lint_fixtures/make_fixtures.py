"""Regenerate the lint fixtures: a valid minimal knowledge root, and one broken copy per code.

Run from this folder: python make_fixtures.py. Each CTXnnn/ folder must make `ctxfix lint`
report exactly one problem, with that code (tests/test_lint.py checks it).
"""

import shutil
from pathlib import Path

HERE = Path(__file__).parent

TREE = """\
start: error
questions:
  - id: error
    text: Which error?
    choices:
      - label: app context
        family: app-context
        next: where
      - label: request context
        family: request-context
        cause: alpha
      - label: sqlalchemy
        family: sqlalchemy-no-app
        cause: alpha
      - label: url
        family: url-adapter
        cause: alpha
  - id: where
    text: Where?
    choices:
      - label: here
        cause: alpha
      - label: there
        cause: beta
"""

FAMILY = """\
  name: N
  signs:
    messages: [outside of {words}]
    skim: [{words}]
  title: T
  why: W.
  fix:
    title: F
    code: |
      pass
  verify: |
    print("ctxfix verify: ok")
  quick_reference:
    scenario: S
    fix: F
"""
FAMILIES = "".join(
    f"{f}:\n{FAMILY.format(words=f.replace('-', ' '))}"
    for f in ("app-context", "request-context", "sqlalchemy-no-app", "url-adapter")
)

CAUSE = """\
id: {id}
title: A cause
summary: One line.
families: [app-context]
why: >-
  First sentence. Second sentence. Third sentence.
fix:
  - title: Push a context
    code: |
      with app.app_context():
          {{{{function|work}}}}()
verify: |
  print("ctxfix verify: ok")
quick_reference:
  scenario: Somewhere
  fix: Push a context
references:
  - https://flask.palletsprojects.com/en/stable/appcontext/
evidence:
  - id: sig
    frame: {{path: 'worker\\.py$'}}
    weight: 8
    says: a worker ran it
"""

# code -> (file to change, text to find, replacement[, name of a copy]) applied to a copy of the
# valid root
MUTATIONS = {
    "CTX001": ("causes/alpha/cause.yaml", "title: A cause", "title: [unclosed"),
    "CTX002": ("causes/alpha/cause.yaml", "title: A cause", "title: A cause\ncolour: blue"),
    "CTX003": ("causes/alpha/cause.yaml", "summary: One line.\n", ""),
    "CTX004": ("causes/alpha/cause.yaml", "families: [app-context]", "families: app-context"),
    "CTX005": ("causes/alpha/cause.yaml", "id: alpha", "id: Alpha_Cause"),
    "CTX006": (
        "tree.yaml",
        "  - id: where\n",
        "  - id: where\n    text: Where?\n    choices:\n"
        "      - label: x\n        cause: alpha\n  - id: where\n",
    ),
    "CTX007": (
        "causes/alpha/cause.yaml",
        "families: [app-context]",
        "families: [app-context, outside-context]",
    ),
    "CTX008": ("causes/alpha/cause.yaml", "worker\\.py$", "worker(\\.py$"),
    "CTX009": (
        "tree.yaml",
        "        cause: beta\n",
        "        cause: beta\n      - label: more\n        cause: gamma\n",
    ),
    "CTX010": ("tree.yaml", "      - label: there\n        cause: beta\n", ""),
    "CTX011": (
        "tree.yaml",
        "      - label: here\n        cause: alpha\n",
        "      - label: here\n        cause: alpha\n      - label: again\n        next: error\n",
    ),
    "CTX012": (
        "causes/alpha/cause.yaml",
        "quick_reference:\n  scenario: Somewhere\n  fix: Push a context\n",
        "",
    ),
    "CTX013": ("causes/alpha/cause.yaml", "{{function|work}}", "{{handler|work}}"),
    "CTX014": (
        "causes/alpha/cause.yaml",
        "First sentence. Second sentence. Third sentence.",
        "Only one sentence.",
    ),
    "CTX015": (
        "causes/alpha/cause.yaml",
        "https://flask.palletsprojects.com/en/stable/appcontext/",
        "https://blog.example.com/flask-contexts",
    ),
    "CTX016": (
        "tree.yaml",
        "        cause: beta\n",
        "        cause: beta\n        variant: nope\n",
    ),
    "CTX017": ("causes/alpha/cause.yaml", "    weight: 8\n", ""),
    "CTX018": ("tree.yaml", "      - label: here\n        cause: alpha\n", "      - label: h\n"),
    "CTX019": ("causes/alpha/cause.yaml", "    weight: 8\n", "    weight: 8\n    tags: [sunny]\n"),
    "CTX020": ("families.yaml", "skim: [app context]", "skim: [pplication]"),
    "CTX021": ("causes/alpha/cause.yaml", "summary: One line.", "summary: &s One line.\nx: *s"),
    "CTX022": ("causes/alpha/cause.yaml", "worker\\.py$", "(?:\\w+\\s?)+\\.py$"),
    "CTX023": ("causes/beta/cause.yaml", "", "", "causes/beta/notes.yaml"),
}


def write_root(root: Path) -> None:
    (root / "causes" / "alpha").mkdir(parents=True)
    (root / "causes" / "beta").mkdir(parents=True)
    (root / "tree.yaml").write_text(TREE)
    (root / "families.yaml").write_text(FAMILIES)
    (root / "causes" / "alpha" / "cause.yaml").write_text(CAUSE.format(id="alpha"))
    (root / "causes" / "beta" / "cause.yaml").write_text(CAUSE.format(id="beta"))


def main() -> None:
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    write_root(HERE / "valid")
    for code, (rel, old, new, *rename) in MUTATIONS.items():
        root = HERE / code
        write_root(root)
        path = root / rel
        text = path.read_text()
        assert old in text, (code, old)
        path.write_text(text.replace(old, new, 1))
        if rename:  # a copy under a name that is not read
            shutil.copy(path, root / rename[0])


if __name__ == "__main__":
    main()
