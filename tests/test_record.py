"""ctxfix._record: the plain records the explain path uses instead of dataclasses."""

from __future__ import annotations

import copy
import pickle

import pytest

from ctxfix._record import Factory, FrozenRecord, Record, replace


class _Point(FrozenRecord):
    x: int
    y: int = 0


class _Bag(Record):
    name: str
    items: list = Factory(list)


def test_a_frozen_record_cannot_be_changed_and_hashes_by_its_fields() -> None:
    p = _Point(1, y=2)
    with pytest.raises(AttributeError, match="frozen"):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del p.y
    assert p == _Point(1, 2) and hash(p) == hash(_Point(x=1, y=2))
    assert len({p, _Point(1, 2), _Point(2, 1)}) == 2
    assert p != (1, 2)


def test_a_plain_record_is_not_hashable_and_makes_each_default_anew() -> None:
    a, b = _Bag("a"), _Bag("b")
    a.items.append(1)
    assert b.items == [] and a.items == [1]
    with pytest.raises(TypeError):
        hash(a)


def test_replace_keeps_the_other_fields_and_refuses_unknown_ones() -> None:
    p = _Point(1, 2)
    q = replace(p, y=5)
    assert (q.x, q.y, p.y) == (1, 5, 2) and type(q) is _Point
    with pytest.raises(TypeError, match="no field z"):
        replace(p, z=1)


def test_records_survive_pickle_and_copy() -> None:
    """Findings and frames cross process boundaries when a big log is read in parallel."""
    for rec in (_Point(1, 2), _Bag("a", [1])):
        assert pickle.loads(pickle.dumps(rec)) == rec
        assert copy.copy(rec) == rec


def test_wrong_arguments_say_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="needs x"):
        _Point()
    with pytest.raises(TypeError, match="takes 2 fields"):
        _Point(1, 2, 3)
    with pytest.raises(TypeError, match="got x twice"):
        _Point(1, x=2)
    with pytest.raises(TypeError, match="no field z"):
        _Point(1, z=2)
