"""Items: the unit of data that flows between nodes, and conversion to/from n8n's JSON shape.

A paired item is a tuple `(item_index, input_index)` pointing at the input item of the node that
produced this item; `(i, 0, {...})` carries n8n's `sourceOverwrite`. An item may pair with several
input items (a list of tuples) or with none (`None`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

PairedRef: TypeAlias = tuple[int, int] | tuple[int, int, dict[str, Any]]
Paired: TypeAlias = PairedRef | list[PairedRef] | None


class Item:
    """One item: `json` (a dict), optional `binary` map, lineage `paired` and per-item `error`."""

    __slots__ = ("json", "binary", "paired", "error")

    def __init__(
        self,
        json: dict[str, Any],
        binary: dict[str, Any] | None = None,
        paired: Paired = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        self.json = json
        self.binary = binary
        self.paired = paired
        self.error = error

    def with_paired(self, paired: Paired) -> Item:
        """A shallow copy sharing json and binary, pointing at another input item."""
        return Item(self.json, self.binary, paired, self.error)

    def to_dict(self, include_paired: bool = True) -> dict[str, Any]:
        """The item in n8n's shape: `{"json", "binary"?, "pairedItem"?, "error"?}`."""
        data: dict[str, Any] = {"json": self.json}
        if self.binary:
            data["binary"] = self.binary
        if include_paired and self.paired is not None:
            data["pairedItem"] = paired_to_json(self.paired)
        if self.error is not None:
            data["error"] = self.error
        return data

    def __repr__(self) -> str:
        return f"Item({self.json!r}, paired={self.paired!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return NotImplemented
        return (self.json, self.binary or None, self.paired, self.error) == (
            other.json,
            other.binary or None,
            other.paired,
            other.error,
        )

    __hash__ = None  # type: ignore[assignment]


def ref_to_json(ref: PairedRef) -> dict[str, Any]:
    data: dict[str, Any] = {"item": ref[0]}
    if ref[1]:
        data["input"] = ref[1]
    if len(ref) == 3:
        data["sourceOverwrite"] = ref[2]
    return data


def paired_to_json(paired: Paired) -> Any:
    if paired is None:
        return None
    if isinstance(paired, list):
        return [ref_to_json(ref) for ref in paired]
    return ref_to_json(paired)


def ref_from_json(value: Any) -> PairedRef | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, 0)
    if isinstance(value, dict) and isinstance(value.get("item"), int):
        input_index = value.get("input") or 0
        if value.get("sourceOverwrite"):
            return (value["item"], input_index, value["sourceOverwrite"])
        return (value["item"], input_index)
    return None


def paired_from_json(value: Any) -> Paired:
    """Accept every spelling n8n allows: a number, `{item, input?}`, or a list of those."""
    if isinstance(value, list):
        refs = [ref for ref in (ref_from_json(v) for v in value) if ref is not None]
        return refs
    return ref_from_json(value)


def item_from_json(value: Any) -> Item:
    """Build an Item from n8n's `{json, binary?, pairedItem?}` (a bare dict becomes the json)."""
    if isinstance(value, Item):
        return value
    if not isinstance(value, dict):
        raise TypeError(f"an item must be an object, got {type(value).__name__}")
    if "json" in value and isinstance(value["json"], dict):
        return Item(
            value["json"],
            value.get("binary") or None,
            paired_from_json(value.get("pairedItem")),
            value.get("error"),
        )
    return Item(value)


def items_from_json(values: Iterable[Any]) -> list[Item]:
    return [item_from_json(v) for v in values]


def refs_of(paired: Paired) -> list[PairedRef]:
    """The paired item as a list of references (empty when unknown)."""
    if paired is None:
        return []
    if isinstance(paired, list):
        return paired
    return [paired]
