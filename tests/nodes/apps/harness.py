"""Run one app node against canned answers and record the requests it sent.

    run = await run_app(slack.APP, {"resource": "message", "operation": "post", ...},
                        responses=[reply({"ok": True, ...})],
                        credentials={"slackApi": {"accessToken": "xoxb-1"}})
    request = run.requests[0]          # an httpx.Request: .method, .url, .headers, .content
    assert body_of(request) == {...}
    assert run.json == [{...}]         # the node's output items (asserts the run succeeded)
    assert run.error["message"] == ... # the run's error (asserts it failed)

The node runs inside the real executor (expressions, pairedItem, continue-on-fail, retries), as
the only node of a workflow; its httpx client gets an httpx.MockTransport. No network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import NodeSpec, parse_workflow
from nodes.apps.declarative import App
from nodes.apps.node import AppNode, app_node
from tests.nodes.fake import FakeContext, make_node

NODE = "App"
Handler = Callable[[httpx.Request], httpx.Response]


def reply(body: Any = None, status: int = 200, headers: dict[str, str] | None = None,
          text: str | None = None) -> httpx.Response:
    """A canned answer: JSON `body`, or `text`, with a status and headers."""
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def body_of(request: httpx.Request) -> Any:
    """The JSON body a request carried (None when it had none)."""
    return json.loads(request.content) if request.content else None


@dataclass
class AppRun:
    result: ExecutionResult
    requests: list[httpx.Request] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        assert self.result.status == "success", self.result.error
        return self.result.output_of(NODE)

    @property
    def json(self) -> list[dict[str, Any]]:
        return [item.json for item in self.items]

    @property
    def paired(self) -> list[Any]:
        return [item.paired for item in self.items]

    @property
    def error(self) -> dict[str, Any]:
        assert self.result.status == "error", f"the run did not fail: {self.result.status}"
        return self.result.error or {}


def _transport(responses: Sequence[httpx.Response] | Handler, sent: list[httpx.Request]) -> httpx.MockTransport:
    queue = list(responses) if not callable(responses) else []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if callable(responses):
            return responses(request)
        if not queue:  # a clear failure instead of a hang or an index error inside the node
            return httpx.Response(599, text=f"harness: no answer left for {request.method} {request.url}")
        return queue.pop(0)

    return httpx.MockTransport(handle)


async def run_app(app: App, parameters: dict[str, Any], *, responses: Sequence[httpx.Response] | Handler = (),
                  credentials: dict[str, dict[str, Any]] | None = None, items: list[Item] | None = None,
                  version: float | None = None, **flags: Any) -> AppRun:
    """Run the app's node once on `items` (default: one empty item). `credentials` maps a credential
    type name to its data; `flags` are node settings (`continueOnFail=True`, `retryOnFail=True`...)."""
    node_class = app_node(app)
    registry = NodeRegistry([node_class])
    description = node_class.description
    sent: list[httpx.Request] = []
    registry.get(description.name).transport = _transport(responses, sent)  # type: ignore[attr-defined]
    node: dict[str, Any] = {
        "name": NODE, "type": (description.aliases or (description.name,))[0],
        "typeVersion": version if version is not None else description.default_version,
        "parameters": parameters, "position": [0, 0], **flags}
    if credentials:
        node["credentials"] = {kind: {"id": kind, "name": kind} for kind in credentials}
    workflow = parse_workflow({"nodes": [node], "connections": {}}, registry)
    services = Services(credentials=InMemoryCredentials(dict(credentials or {})))
    result = await execute_workflow(workflow, registry, services=services, start_node=NODE,
                                    start_items=items or [Item({})])
    return AppRun(result, sent)


class _Context(FakeContext):
    """FakeContext plus credentials: parameters are used as given (no expressions)."""

    def __init__(self, node: NodeSpec, items: list[Item], credentials: dict[str, dict[str, Any]]) -> None:
        super().__init__(node=node, inputs=[items])
        self._credentials = credentials

    async def get_credentials(self, credential_type: str) -> dict[str, Any]:
        return dict(self._credentials[credential_type])


async def execute_app(app: App, parameters: dict[str, Any], *, responses: Sequence[httpx.Response] | Handler = (),
                      credentials: dict[str, dict[str, Any]] | None = None, items: list[Item] | None = None,
                      version: float | None = None, requests: list[httpx.Request] | None = None,
                      **flags: Any) -> list[list[Item]]:
    """The node's `execute` called directly, without the executor: its errors propagate as raised
    (`pytest.raises(NodeApiError)` to check `retry_after`, `http_code`). `requests` collects what was sent."""
    node_type = cast(AppNode, app_node(app)())
    node_type.transport = _transport(responses, requests if requests is not None else [])
    description = node_type.description
    node = make_node(description.name, version if version is not None else description.default_version,
                     parameters, name=NODE, **flags)
    context = _Context(node, items or [Item({})], credentials or {})
    return await node_type.execute(context)  # type: ignore[arg-type]  # a FakeContext is enough
