"""Time: the Schedule Trigger (and n8n's legacy Cron and Interval) and the Wait node."""

from __future__ import annotations

from engine.node_api import NodeType

from .legacy import Cron, Interval
from .schedule_trigger import ScheduleTrigger
from .wait import Wait

NODE_TYPES: list[type[NodeType]] = [ScheduleTrigger, Cron, Interval, Wait]
