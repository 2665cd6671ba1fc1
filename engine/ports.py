"""What the engine needs from outside, as small protocols, each with an in-package stub.

The web process, a worker and the CLI each build one `Services` and hand it to the executor; tests
build one from the stubs. The engine never imports models/, services/, ui/ or api/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware current time (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class FrozenClock:
    """A clock for tests: always returns `at` until `advance` is called."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


class CredentialsProvider(Protocol):
    async def get(self, node_name: str, credential_type: str, reference: Mapping[str, Any]) -> dict[str, Any]:
        """Decrypted credential data for a node's `credentials[type]` reference."""
        ...


class NoCredentials:
    async def get(self, node_name: str, credential_type: str, reference: Mapping[str, Any]) -> dict[str, Any]:
        from .errors import NodeOperationError

        raise NodeOperationError(
            f"Node '{node_name}' needs a '{credential_type}' credential, but this run has no credential store",
            node=node_name,
        )


@dataclass
class InMemoryCredentials:
    """Credentials keyed by credential id (or name): for tests and the CLI."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def get(self, node_name: str, credential_type: str, reference: Mapping[str, Any]) -> dict[str, Any]:
        key = str(reference.get("id") or reference.get("name") or "")
        if key not in self.by_id:
            from .errors import NodeOperationError

            raise NodeOperationError(f"Credential '{key}' of type '{credential_type}' not found", node=node_name)
        return dict(self.by_id[key])


class EventSink(Protocol):
    """Receives progress events; must be cheap and must not raise."""

    def emit(self, event: str, payload: Mapping[str, Any]) -> None: ...


class NullEventSink:
    def emit(self, event: str, payload: Mapping[str, Any]) -> None:
        return None


@dataclass
class RecordingEventSink:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, event: str, payload: Mapping[str, Any]) -> None:
        self.events.append((event, dict(payload)))


class BinaryStore(Protocol):
    async def put(self, data: bytes, mime_type: str) -> str:
        """Store bytes, return an id to keep in the item's binary entry."""
        ...

    async def get(self, binary_id: str) -> bytes: ...


@dataclass
class InMemoryBinaryStore:
    blobs: dict[str, bytes] = field(default_factory=dict)

    async def put(self, data: bytes, mime_type: str) -> str:
        key = f"memory:{len(self.blobs)}"
        self.blobs[key] = data
        return key

    async def get(self, binary_id: str) -> bytes:
        return self.blobs[binary_id]


class WorkflowLoader(Protocol):
    async def load(self, workflow_id: str) -> dict[str, Any]:
        """The workflow JSON of another workflow (for sub-workflows)."""
        ...


@dataclass
class InMemoryWorkflowLoader:
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def load(self, workflow_id: str) -> dict[str, Any]:
        if workflow_id not in self.workflows:
            from .errors import NodeOperationError

            raise NodeOperationError(f"Workflow '{workflow_id}' not found")
        return self.workflows[workflow_id]


class CodeRunner(Protocol):
    """Runs Code-node user code in isolation (see engine.sandbox.pool.SandboxPool)."""

    async def run(
        self,
        request: Mapping[str, Any],
        callback: Callable[[str, list[Any]], Any],
    ) -> Mapping[str, Any]: ...


@dataclass
class Services:
    """Everything an execution may reach outside the engine. Defaults are harmless stubs."""

    clock: Clock = field(default_factory=SystemClock)
    credentials: CredentialsProvider = field(default_factory=NoCredentials)
    events: EventSink = field(default_factory=NullEventSink)
    binary: BinaryStore = field(default_factory=InMemoryBinaryStore)
    workflows: WorkflowLoader = field(default_factory=InMemoryWorkflowLoader)
    code_runner: CodeRunner | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    default_timezone: str = "UTC"
    expression_timeout: float = 5.0
    expression_max_size: int = 1_000_000
    expression_max_memory: int = 256 * 2**20
    cancel_event: asyncio.Event | None = None
    # Called with the run's state (engine.resume.capture_state) after every node that succeeded:
    # n8n's saveExecutionProgress. None (the default) costs nothing.
    on_progress: Callable[[dict[str, Any]], None] | None = None
