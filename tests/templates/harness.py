"""Installing a gallery template into a real runtime and running it: variables point its external
calls at loopback stubs, credentials point at the real local servers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models import Execution
from models.repositories import load_execution_data
from services.access import Actor
from services.credentials import create_credential
from services.runtime import Runtime
from services.template_gallery import get_template
from services.variables import create_variable
from services.workflow_access import create_workflow

FINISHED = {"success", "error", "canceled", "crashed"}


@dataclass
class Run:
    execution: Execution
    run_data: dict[str, Any]
    error: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return self.execution.status

    def output(self, node: str, output: int = 0, run: int = -1) -> list[dict[str, Any]]:
        """The json of the items `node` put on `output` in its `run`-th run."""
        runs = self.run_data[node]
        main = runs[run]["data"]["main"]
        return [item["json"] for item in (main[output] if len(main) > output else None) or []]

    def ran(self, node: str) -> bool:
        return node in self.run_data


@dataclass
class Installed:
    runtime: Runtime
    actor: Actor
    workflow_id: str
    document: dict[str, Any]
    project_id: str
    runs: list[Run] = field(default_factory=list)

    def run(self, start_items: list[dict[str, Any]] | None = None, *, start_node: str | None = None,
            mode: str = "trigger", seconds: float = 30) -> Run:
        """Run the workflow from its trigger (the first node) with `start_items` (None: what the trigger makes)."""
        from models import Workflow
        from services.workflow_json import workflow_to_json

        with self.runtime.db.session() as session:
            row = session.get(Workflow, self.workflow_id)
            assert row is not None
            document = workflow_to_json(row)  # with the static data earlier runs left
        execution_id = self.runtime.executions.start(
            document, workflow_id=self.workflow_id, project_id=self.project_id, mode=mode,
            start_node=start_node or document["nodes"][0]["name"], start_items=start_items)
        return self.wait(execution_id, seconds)

    def wait(self, execution_id: int, seconds: float = 30) -> Run:
        deadline = time.monotonic() + seconds
        while True:
            with self.runtime.db.session() as session:
                execution = session.get(Execution, execution_id)
                assert execution is not None
                if execution.status in FINISHED:
                    loaded = load_execution_data(session, execution_id)
                    break
            assert time.monotonic() < deadline, f"execution {execution_id} stuck in {execution.status}"
            time.sleep(0.01)
        document = loaded[1] if loaded else {}
        run = Run(execution, document.get("runData") or {}, document.get("error"))
        self.runs.append(run)
        return run


def install(runtime: Runtime, owner: Actor, template_id: str, variables: dict[str, str] | None = None,
            credentials: Sequence[tuple[str, str, dict[str, Any]]] = (),
            adjust: Callable[[dict[str, Any]], None] | None = None) -> Installed:
    """Import a template the way the gallery does, after creating its variables and credentials;
    `adjust` may change the document first (shorter pauses)."""
    document = get_template(template_id).importable()
    if adjust is not None:
        adjust(document)
    view = create_workflow(runtime, owner, document)
    project_id = view.workflow.project_id
    for key, value in (variables or {}).items():
        create_variable(runtime.db, owner, key=key, value=value)
    for type_name, name, data in credentials:
        create_credential(runtime.db, runtime.executions.encryption_key, project_id=project_id, name=name,
                          type=type_name, data=data)
    return Installed(runtime, owner, view.workflow.id, document, project_id)


def webhook_item(body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """What a Webhook node emits for a call: headers, params, query, body."""
    return {"headers": {"content-type": "application/json"}, "params": {}, "query": query or {},
            "body": body if body is not None else {}}
