"""Plain data records that cost nothing to define.

A dataclass generates and compiles its methods when its module is imported (about half a
millisecond each), and the modules of explain's path define dozens of records: these records
read their fields from the class's annotations instead, once, when the class is made.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["Factory", "Record"]


class Factory:
    """A default made anew for every record (as ``field(default_factory=...)``)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class Record:
    """The fields its class annotates, given by position or keyword; a class attribute of the
    same name is the default (a :class:`Factory` makes one per record)."""

    _fields: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", {}):
                if not name.startswith("_") and name not in names:
                    names.append(name)
        cls._fields = tuple(names)
        cls._defaults = {n: getattr(cls, n) for n in names if hasattr(cls, n)}

    def __init__(self, *values: Any, **fields: Any) -> None:
        names = self._fields
        if len(values) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields")
        for name, value in zip(names, values):
            if name in fields:
                raise TypeError(f"{type(self).__name__} got {name} twice")
            fields[name] = value
        for name in names:
            if name in fields:
                value = fields.pop(name)
            elif name in self._defaults:
                value = self._defaults[name]
                if isinstance(value, Factory):
                    value = value.make()
            else:
                raise TypeError(f"{type(self).__name__} needs {name}")
            setattr(self, name, value)
        if fields:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(fields))}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self._fields
        )

    __hash__ = None  # type: ignore[assignment]
