"""Helpers for the reader's shape tests: read a paste and see which shape read each line."""

from __future__ import annotations

import textwrap

import pytest

from ctxfix.engine.families import finder
from ctxfix.knowledge import load
from ctxfix.read import Traceback, TracebackReader


class Read:
    """What the reader made of a paste: its records and, per line number, the shape that read it."""

    def __init__(self, text: str, bare: bool = True) -> None:
        found = finder(load(use_cache=False)) if bare else None
        reader = (
            TracebackReader(found.bare, hints=found.hints)
            if found is not None
            else TracebackReader()
        )
        reader.trace = []
        self.records: list[Traceback] = []
        for line in textwrap.dedent(text).strip("\n").splitlines():
            self.records.extend(reader.feed(line))
        self.records.extend(reader.close())
        self.shapes = dict(reader.trace)

    @property
    def one(self) -> Traceback:
        assert len(self.records) == 1, [(r.exc_type, r.message[:40]) for r in self.records]
        return self.records[0]

    def shape_of(self, lineno: int) -> str:
        return self.shapes.get(lineno, "(quiet)")


@pytest.fixture
def read():
    return Read
