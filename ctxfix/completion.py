"""Shell completion: the scripts ``ctxfix completion bash|zsh|fish`` prints, and what completes.

click does the work: the script calls ``ctxfix`` back with ``_CTXFIX_COMPLETE`` set, and each
parameter completes its own values. Cause ids complete for ``show`` and ``verify``, and
``QUESTION=CHOICE`` for ``--answer``, from the knowledge (a broken one completes nothing).

Bash splits the word being completed at ``=``, so ``--answer where=cel`` would reach ctxfix as
three words; its script also sends the line itself, ctxfix completes the whole word from it,
and hands bash back only what follows the last ``=`` (and no space after ``QUESTION=``).
"""

from __future__ import annotations

import os
from typing import Any

from click.shell_completion import (
    _SOURCE_BASH,
    BashComplete,
    CompletionItem,
    add_completion_class,
    get_completion_class,
    split_arg_string,
)

__all__ = ["SHELLS", "VAR", "answers", "causes", "script"]

SHELLS = ("bash", "zsh", "fish")
VAR = "_CTXFIX_COMPLETE"
"""The environment variable the scripts set when they call ctxfix back."""


class _Bash(BashComplete):
    source_template = _SOURCE_BASH.replace(
        "COMP_CWORD=$COMP_CWORD",
        'COMP_CWORD=$COMP_CWORD COMP_LINE="$COMP_LINE" COMP_POINT=$COMP_POINT',
    ).replace(
        "            COMPREPLY+=($value)",
        "            COMPREPLY+=($value)\n            [[ $value == *= ]] && compopt -o nospace",
    )

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE")
        point = os.environ.get("COMP_POINT", "")
        if line is None or not point.isdigit():
            return super().get_completion_args()
        typed = line[: int(point)]
        words = split_arg_string(typed)
        incomplete = words.pop() if words and typed and not typed[-1].isspace() else ""
        return words[1:], incomplete

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        items = super().get_completions(args, incomplete)
        if "=" not in incomplete:
            return items
        head = incomplete[: incomplete.rindex("=") + 1]
        return [
            CompletionItem(i.value[len(head) :], type=i.type, help=i.help)
            if i.value.startswith(head)
            else i
            for i in items
        ]


add_completion_class(_Bash, "bash")


def script(cli: Any, shell: str) -> str:
    """The completion script for ``shell``: what to ``eval`` or save where the shell looks."""
    cls = get_completion_class(shell)
    assert cls is not None, shell
    return cls(cli, {}, "ctxfix", VAR).source()


def causes(kb: Any, incomplete: str) -> list[CompletionItem]:
    """Cause ids starting with ``incomplete``, each with its title."""
    if kb is None:
        return []
    return [
        CompletionItem(cid, help=cause.title)
        for cid, cause in kb.causes.items()
        if cid.startswith(incomplete)
    ]


def answers(kb: Any, incomplete: str) -> list[CompletionItem]:
    """``QUESTION=`` for each question, then ``QUESTION=CHOICE`` once a question is typed."""
    if kb is None:
        return []
    from ctxfix.engine import choice_key

    if "=" not in incomplete:
        return [
            CompletionItem(f"{q.id}=", help=q.text)
            for q in kb.questions.values()
            if q.id.startswith(incomplete)
        ]
    qid, _, typed = incomplete.partition("=")
    q = kb.questions.get(qid)
    if q is None:
        return []
    out = []
    for i, choice in enumerate(q.choices):
        key = choice_key(choice, i, kb)
        if key.startswith(typed):
            out.append(CompletionItem(f"{qid}={key}", help=choice.label))
    return out
