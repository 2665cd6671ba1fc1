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
    unasserted binary dropped, errors reduced to their message fields."""
    data = item.to_dict() if isinstance(item, Item) else copy.deepcopy(item)
    if not keep_paired:
        data.pop("pairedItem", None)
    if not data.get("binary") or not keep_binary:
        data.pop("binary", None)
    data.pop("error", None)
    return data


def strip_expected(items: list[dict[str, Any]], keep_paired: bool = False) -> list[dict[str, Any]]:
    return [comparable_item(item, keep_paired) for item in items]
