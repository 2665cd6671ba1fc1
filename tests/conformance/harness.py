"""Reading n8n's own test workflows from ../shared/conformance/n8n at run time (never copied into
the repository: their licence allows internal use only) and comparing results the way n8n's
NodeTestHarness does."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from engine.items import Item


class FixtureUnavailable(Exception):
    """A fixture a file needs cannot be provided here (e.g. MariaDB is not running)."""


def conformance_dir() -> Path:
    configured = os.environ.get("KNOTWORK_CONFORMANCE_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "n8n"


def require_conformance_dir() -> Path:
    path = conformance_dir()
    if not path.is_dir():
        pytest.skip(f"n8n conformance data not found at {path} (set KNOTWORK_CONFORMANCE_DIR)")
    return path


def load_json(relative: str) -> Any:
    return json.loads((require_conformance_dir() / relative).read_text())


def comparable_item(item: Item | dict[str, Any], keep_paired: bool = False, keep_binary: bool = False) -> dict[str, Any]:
    """An item as n8n's harness compares it: pairedItem dropped (unless kept), empty or
    unasserted binary dropped (asserted binary loses only `directory`), errors reduced to their
    message fields."""
    data = item.to_dict() if isinstance(item, Item) else copy.deepcopy(item)
    if not keep_paired:
        data.pop("pairedItem", None)
    if not data.get("binary") or not keep_binary:
        data.pop("binary", None)
    else:
        data["binary"] = {
            key: {k: v for k, v in entry.items() if k != "directory"} if isinstance(entry, dict) else entry
            for key, entry in data["binary"].items()
        }
    data.pop("error", None)
    return data


ERROR_FIELDS = ("message", "name", "description", "context")


def reduce_json_error(data: dict[str, Any]) -> dict[str, Any]:
    """n8n's harness reduces an Error object in `json.error` to {message, name, description,
    context} (context is always an object on n8n's node errors); a plain string stays."""
    json_data = data.get("json")
    if not isinstance(json_data, dict):
        return data
    error = json_data.get("error")
    if not (isinstance(error, dict) and "message" in error and "name" in error):
        return data
    reduced = {key: error[key] for key in ERROR_FIELDS if error.get(key) is not None}
    reduced.setdefault("context", {})
    return {**data, "json": {**json_data, "error": reduced}}


def strip_expected(items: list[dict[str, Any]], keep_paired: bool = False) -> list[dict[str, Any]]:
    return [comparable_item(item, keep_paired) for item in items]


def first_difference(expected: Any, actual: Any, path: str = "", bool_as_int: bool = False) -> str | None:
    """The first place two JSON values differ, as a short sentence, or None when they are equal.

    Equality is Jest's `toEqual` on JSON data: key order does not matter, list order does, numbers
    compare by value (1 == 1.0) but a boolean never equals a number (unless `bool_as_int`: an
    expected true/false then also matches 1/0, for data a real database returns where the upstream
    test mocked the driver), and null is not a missing key.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                return f"{_where(path)}: missing key {key!r}"
            found = first_difference(expected[key], actual[key], f"{path}.{key}" if path else str(key), bool_as_int)
            if found:
                return found
        extra = [key for key in actual if key not in expected]
        return f"{_where(path)}: unexpected key {extra[0]!r}" if extra else None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(want, got, f"{path}[{index}]", bool_as_int)
            if found:
                return found
        if len(expected) != len(actual):
            return f"{_where(path)}: {len(expected)} entries expected, got {len(actual)}"
        return None
    if _same_scalar(expected, actual):
        return None
    if bool_as_int and isinstance(expected, bool) and type(actual) is int and actual == int(expected):
        return None
    return f"{_where(path)}: expected {_short(expected)}, got {_short(actual)}"


def _same_scalar(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _where(path: str) -> str:
    return path or "(top)"


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
