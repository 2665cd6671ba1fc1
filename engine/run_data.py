"""Run data: what each node run produced, in n8n's shape (`runData[node][runIndex]`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .items import Item

# Execution statuses, as n8n names them. Terminal ones never change again.
TERMINAL_STATUSES = frozenset({"success", "error", "canceled", "crashed"})


@dataclass
class SourceRef:
    """Which node run fed one input of a node run."""

    previous_node: str
    previous_node_output: int = 0
    previous_node_run: int = 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"previousNode": self.previous_node}
        # n8n omits zero values (`outputIndex || undefined`)
        if self.previous_node_output:
            data["previousNodeOutput"] = self.previous_node_output
        if self.previous_node_run:
            data["previousNodeRun"] = self.previous_node_run
        return data


@dataclass
class TaskData:
    """One run of one node."""

    start_time: int  # ms since epoch
    execution_index: int
    source: list[SourceRef | None]
    execution_time: int = 0  # ms
    execution_status: str = "success"
    outputs: list[list[Item]] | None = None
    error: dict[str, Any] | None = None
    logs: list[str] = field(default_factory=list)
    hints: list[dict[str, Any]] = field(default_factory=list)

    def output(self, index: int = 0) -> list[Item]:
        if not self.outputs or index >= len(self.outputs):
            return []
        return self.outputs[index] or []

    def to_json(self, include_paired: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "startTime": self.start_time,
            "executionTime": self.execution_time,
            "executionIndex": self.execution_index,
            "executionStatus": self.execution_status,
            "source": [ref.to_json() if ref else None for ref in self.source],
        }
        if self.outputs is not None:
            data["data"] = {
                "main": [[item.to_dict(include_paired) for item in output] for output in self.outputs]
            }
        if self.error is not None:
            data["error"] = self.error
        if self.logs:
            data["logs"] = self.logs
        if self.hints:
            data["hints"] = self.hints
        return data


RunData = dict[str, list[TaskData]]


def iso_ms(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ExecutionResult:
    """The outcome of one execution, serialisable to the CLI/API document."""

    status: str
    mode: str
    started_at: datetime
    stopped_at: datetime
    run_data: RunData
    last_node_executed: str | None = None
    error: dict[str, Any] | None = None
    node_context: dict[str, dict[str, Any]] = field(default_factory=dict)
    static_data: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] | None = None  # where an unfinished run stopped (engine.resume)
    wait_till: datetime | None = None  # status `waiting`: when it resumes by itself

    @property
    def finished(self) -> bool:
        return self.status == "success"

    def output_of(self, node: str, run: int = -1, output: int = 0) -> list[Item]:
        """Items of one output of one run of a node (the last run by default)."""
        runs = self.run_data.get(node) or []
        if not runs:
            return []
        return runs[run].output(output)

    def to_json(self, include_paired: bool = True) -> dict[str, Any]:
        return {
            "status": self.status,
            "mode": self.mode,
            "startedAt": iso_ms(self.started_at),
            "stoppedAt": iso_ms(self.stopped_at),
            "lastNodeExecuted": self.last_node_executed,
            "error": self.error,
            **({"waitTill": iso_ms(self.wait_till)} if self.wait_till is not None else {}),
            "runData": {
                name: [task.to_json(include_paired) for task in tasks] for name, tasks in self.run_data.items()
            },
        }
