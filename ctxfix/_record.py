"""Plain data records that cost nothing to define.

A dataclass generates and compiles its methods when its module is imported (about half a
millisecond each), and the modules of explain's path define dozens of records: these records
read their fields from the class's annotations instead, once, when the class is made.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

__all__ = ["Factory", "FrozenRecord", "Record", "replace"]


class Factory:
    """A default made anew for every record (as ``field(default_factory=...)``)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class Record:
    """The fields its class annotates, given by position or keyword; a class attribute of the
    same name is the default (a :class:`Factory` makes one per record)."""

    _fields: tuple[str, ...] = ()
    _names: frozenset[str] = frozenset()
    _defaults: dict[str, Any] = {}
    _factories: tuple[tuple[str, Callable[[], Any]], ...] = ()
    _required: tuple[str, ...] = ()

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", {}):
                if not name.startswith("_") and name not in names:
                    names.append(name)
        cls._fields = tuple(names)
        cls._names = frozenset(names)
        given = {n: getattr(cls, n) for n in names if hasattr(cls, n)}
        cls._defaults = {n: v for n, v in given.items() if not isinstance(v, Factory)}
        cls._factories = tuple((n, v.make) for n, v in given.items() if isinstance(v, Factory))
        cls._required = tuple(n for n in names if n not in given)

    def __init__(self, *values: Any, **fields: Any) -> None:
        if values:
            names = self._fields
            if len(values) > len(names):
                raise TypeError(f"{type(self).__name__} takes {len(names)} fields")
            for name, value in zip(names, values):
                if name in fields:
                    raise TypeError(f"{type(self).__name__} got {name} twice")
                fields[name] = value
        if not self._names.issuperset(fields):
            unknown = ", ".join(sorted(set(fields) - self._names))
            raise TypeError(f"{type(self).__name__} has no field {unknown}")
        for name in self._required:
            if name not in fields:
                raise TypeError(f"{type(self).__name__} needs {name}")
        # Written to __dict__ directly (dict operations in C, most of the cost of making one),
        # and so that a FrozenRecord is made the same way.
        slots = self.__dict__
        slots.update(self._defaults)
        for name, make in self._factories:
            if name not in fields:
                slots[name] = make()
        slots.update(fields)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self._fields
        )

    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(Record):
    """A record whose fields cannot be set once it is made, and that can be hashed (a set
    member or a dict key), like a frozen dataclass."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name}")

    def __hash__(self) -> int:
        values = self.__dict__
        return hash(tuple(values[n] for n in self._fields))


R = TypeVar("R", bound=Record)


def replace(record: R, **changes: Any) -> R:
    """A new record of the same class: ``record``'s fields, with ``changes`` put in."""
    values = {n: record.__dict__[n] for n in record._fields}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {', '.join(sorted(unknown))}")
    values.update(changes)
    return type(record)(**values)
