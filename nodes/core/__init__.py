"""The core node family: triggers, flow control and data transformation."""

from __future__ import annotations

from engine.node_api import NodeType

from .code import CodeNode
from .error_trigger import ErrorTrigger
from .execute_command import ExecuteCommand
from .execute_workflow import ExecuteWorkflow
from .execute_workflow_trigger import ExecuteWorkflowTrigger
from .filter_node import Filter
from .function_legacy import FunctionItemNode, FunctionNode
from .if_node import If
from .loop import LoopOverItems
from .merge import Merge
from .noop import NoOp, StickyNote
from .respond_to_webhook import RespondToWebhook
from .set_node import SetNode
from .stop_and_error import StopAndError
from .switch import Switch
from .triggers import ManualTrigger, Start
from .version_test import VersionTest
from .webhook import Webhook

NODE_TYPES: list[type[NodeType]] = [
    ManualTrigger,
    Start,
    NoOp,
    StickyNote,
    If,
    Filter,
    SetNode,
    Merge,
    LoopOverItems,
    Switch,
    ExecuteCommand,
    StopAndError,
    CodeNode,
    FunctionNode,
    FunctionItemNode,
    VersionTest,
    ExecuteWorkflow,
    ExecuteWorkflowTrigger,
    ErrorTrigger,
    Webhook,
    RespondToWebhook,
]
