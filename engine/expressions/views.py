"""Read-only views that let expressions write `$json.a.b` over plain dicts without copying them.

A key wins over a method of the same name (`$json.items` is the field "items" when there is one),
a missing key reads as None, and everything that leaves an expression is unwrapped back to plain
data by `unwrap`. The views hold their data in an underscore slot, which RestrictedPython's
attribute guard never lets user code reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class JsonView:
    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattribute__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        if name in data:
            return wrap(data[name])
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        return None  # a missing key reads as None, like n8n's undefined

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("expression data is read-only")

    def __getitem__(self, key: Any) -> Any:
        data = object.__getattribute__(self, "_data")
        if key in data:
            return wrap(data[key])
        return None

    def __contains__(self, key: Any) -> bool:
        return key in object.__getattribute__(self, "_data")

    def __iter__(self) -> Iterator[str]:
        return iter(object.__getattribute__(self, "_data"))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_data"))

    def __bool__(self) -> bool:
        return bool(object.__getattribute__(self, "_data"))

    def __eq__(self, other: object) -> bool:
        return object.__getattribute__(self, "_data") == unwrap(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_data"))

    def __str__(self) -> str:
        return str(object.__getattribute__(self, "_data"))

    def __or__(self, other: Any) -> dict[str, Any]:
        return {**object.__getattribute__(self, "_data"), **unwrap(other)}

    def __ror__(self, other: Any) -> dict[str, Any]:
        return {**unwrap(other), **object.__getattribute__(self, "_data")}

    # dict's reading methods, for `$json.get("a", 1)`, `$json.keys()`...
    def get(self, key: str, default: Any = None) -> Any:
        data = object.__getattribute__(self, "_data")
        return wrap(data[key]) if key in data else default

    def keys(self) -> list[str]:
        return list(object.__getattribute__(self, "_data").keys())

    def values(self) -> list[Any]:
        return [wrap(v) for v in object.__getattribute__(self, "_data").values()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, wrap(v)) for k, v in object.__getattribute__(self, "_data").items()]

    def copy(self) -> dict[str, Any]:
        return dict(object.__getattribute__(self, "_data"))


class ListView:
    __slots__ = ("_data",)

    def __init__(self, data: list[Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getitem__(self, index: Any) -> Any:
        data = object.__getattribute__(self, "_data")
        if isinstance(index, slice):
            return ListView(data[index])
        try:
            return wrap(data[index])
        except IndexError:
            return None  # as n8n's undefined for an index past the end

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("expression data is read-only")

    def __iter__(self) -> Iterator[Any]:
        return (wrap(v) for v in object.__getattribute__(self, "_data"))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_data"))

    def __bool__(self) -> bool:
        return bool(object.__getattribute__(self, "_data"))

    def __contains__(self, value: Any) -> bool:
        return unwrap(value) in object.__getattribute__(self, "_data")

    def __eq__(self, other: object) -> bool:
        return object.__getattribute__(self, "_data") == unwrap(other)

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Any) -> list[Any]:
        return list(object.__getattribute__(self, "_data")) + list(unwrap(other))

    def __radd__(self, other: Any) -> list[Any]:
        return list(unwrap(other)) + list(object.__getattribute__(self, "_data"))

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_data"))

    def __str__(self) -> str:
        return str(object.__getattribute__(self, "_data"))

    def index(self, value: Any) -> int:
        return object.__getattribute__(self, "_data").index(unwrap(value))

    def count(self, value: Any) -> int:
        return object.__getattribute__(self, "_data").count(unwrap(value))

    def copy(self) -> list[Any]:
        return list(object.__getattribute__(self, "_data"))


def wrap(value: Any) -> Any:
    if type(value) is dict:
        return JsonView(value)
    if type(value) is list:
        return ListView(value)
    return value


def unwrap(value: Any) -> Any:
    """Plain data back out of an expression result (views replaced, containers walked)."""
    kind = type(value)
    if kind is JsonView or kind is ListView:
        return object.__getattribute__(value, "_data")
    if kind is list:
        return [unwrap(v) for v in value] if any(type(v) in _VIEW_OR_CONTAINER for v in value) else value
    if kind is tuple:
        return [unwrap(v) for v in value]
    if kind is dict:
        if any(type(v) in _VIEW_OR_CONTAINER for v in value.values()):
            return {k: unwrap(v) for k, v in value.items()}
        return value
    if hasattr(value, "_unwrap_"):  # proxies of items and node accessors
        return value._unwrap_()
    return value


_VIEW_OR_CONTAINER = (JsonView, ListView, list, tuple, dict)
