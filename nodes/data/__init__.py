"""Data transformation nodes: reshaping, grouping, sorting and de-duplicating items."""

from __future__ import annotations

from engine.node_api import NodeType

from .aggregate import Aggregate
from .item_lists import ItemLists
from .limit import Limit
from .remove_duplicates import RemoveDuplicates
from .rename_keys import RenameKeys
from .sort import Sort
from .split_out import SplitOut
from .summarize import Summarize

NODE_TYPES: list[type[NodeType]] = [
    SplitOut,
    Aggregate,
    Summarize,
    Sort,
    Limit,
    RemoveDuplicates,
    RenameKeys,
    ItemLists,
]
