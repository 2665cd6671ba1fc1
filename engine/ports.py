"""What the engine needs from outside, as small protocols, each with an in-package stub.

The web process, a worker and the CLI each build one `Services` and hand it to the executor; tests
build one from the stubs. The engine never imports models/, services/, ui/ or api/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass(frozen=True)
class SubWorkflowCall:
    """One call of another workflow (n8n's `executeWorkflow` arguments): by id (`workflow_id`)
    or inline JSON (`workflow_json`), with the items its start node receives."""

    items: Sequence[Any]  # engine Items
    workflow_id: str | None = None
    workflow_json: Mapping[str, Any] | None = None
    wait: bool = True  # False: start it and return at once (n8n's waitForSubWorkflow)
    node: str = ""  # the calling node, for error messages


@dataclass
class SubWorkflowRun:
    """A started sub-workflow. `result` (engine.run_data.ExecutionResult) is there only when the
    caller waited and the run reached the engine; `error` is set when it failed without one."""

    execution_id: str
    workflow_id: str
    start_node: str
    result: Any = None
    error: dict[str, Any] | None = None


class SubWorkflowRunner(Protocol):
    async def run(self, call: SubWorkflowCall, services: Services) -> SubWorkflowRun:
        """Start the workflow `call` names at its sub-workflow start node, in mode `integrated`.
        Raises NodeOperationError when it cannot be loaded, has no start node or may not be
        called; a child that ran and failed is reported in the result, not raised."""
        ...


# n8n's findSubworkflowStart: the Execute Workflow Trigger, else a manual start node.
SUB_WORKFLOW_STARTS = ("knotwork.executeWorkflowTrigger", "knotwork.manualTrigger", "knotwork.start")


def sub_workflow_start(workflow: Any, registry: Any) -> str:
    """The node a sub-workflow starts at. Raises NodeOperationError when it has none."""
    for type_name in SUB_WORKFLOW_STARTS:
        for node in workflow.nodes.values():
            node_type = registry.resolve(node.type)
            if node_type is not None and node_type.description.name == type_name:
                return str(node.name)
    from .errors import NodeOperationError

    raise NodeOperationError(
        "Missing node to start execution",
        description="Please make sure the workflow you're calling contains an Execute Workflow Trigger node",
    )


@dataclass
class InProcessSubWorkflows:
    """Runs sub-workflows with the engine, in this process: by id through `Services.workflows`, or
    the inline JSON given. The stand-in for services.subworkflows in tests and the CLI: no caller
    policy, nothing recorded, and a child not waited for still runs to its end before `run`
    returns (so a test sees it), its result dropped. `registry` defaults to the installed nodes."""

    registry: Any = None

    async def run(self, call: SubWorkflowCall, services: Services) -> SubWorkflowRun:
        import dataclasses
        import uuid

        from .errors import NodeOperationError, WorkflowValidationError
        from .registry import NodeRegistry
        from .runner import execute_workflow
        from .workflow import parse_workflow

        if self.registry is None:
            self.registry = NodeRegistry.from_entry_points()
        document = (call.workflow_json if call.workflow_id is None
                    else await services.workflows.load(call.workflow_id))
        try:
            workflow = parse_workflow(dict(document or {}), self.registry)
        except WorkflowValidationError as error:
            raise NodeOperationError(f"The workflow to execute is not valid: {error}", node=call.node) from None
        start = sub_workflow_start(workflow, self.registry)
        execution_id = uuid.uuid4().hex[:16]
        result = await execute_workflow(
            workflow, self.registry, services=dataclasses.replace(services, on_progress=None),
            mode="integrated", start_node=start, start_items=list(call.items), execution_id=execution_id,
        )
        return SubWorkflowRun(execution_id, workflow.id or call.workflow_id or "", start,
                              result if call.wait else None)


@dataclass(frozen=True)
class FileAccess:
    """What the file nodes may touch: the one folder they read and write (None: no disk access at
    all) and how much one archive may unpack to (the zip-bomb guard)."""

    folder: Path | None = None
    max_decompressed_bytes: int = 512 * 2**20
    max_decompressed_entries: int = 10_000


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
    subworkflows: SubWorkflowRunner = field(default_factory=InProcessSubWorkflows)
    code_runner: CodeRunner | None = None
    # KNOTWORK_ENABLE_EXECUTE_COMMAND: whether the Execute Command node may run shell commands.
    execute_command_enabled: bool = False
    files: FileAccess = field(default_factory=FileAccess)
    variables: Mapping[str, str] = field(default_factory=dict)
    default_timezone: str = "UTC"
    # Where the outside world reaches this instance (KNOTWORK_PUBLIC_URL): the base of resume URLs.
    public_url: str = ""
    expression_timeout: float = 5.0
    expression_max_size: int = 1_000_000
    expression_max_memory: int = 256 * 2**20
    cancel_event: asyncio.Event | None = None
    # Called with the run's state (engine.resume.capture_state) after every node that succeeded:
    # n8n's saveExecutionProgress. None (the default) costs nothing.
    on_progress: Callable[[dict[str, Any]], None] | None = None
