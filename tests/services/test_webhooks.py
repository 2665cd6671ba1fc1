"""services.webhooks: routes (static and :param paths), registration through activation, the route
cache across processes, and answering calls in every response mode, with the real runtime (embedded
worker) on the test database."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from engine.registry import NodeRegistry
from models import Database, Execution, Workflow
from models.misc import WebhookRegistration
from models.repositories import load_execution_data
from models.types import utcnow
from services import webhook_routes, workflow_access
from services.access import Actor
from services.credentials import create_credential
from services.runtime import Runtime
from services.users import create_user
from services.webhooks import RouteConflict, RouteTable, WebhookRequest, node_routes, webhook_service
from services.workflow_access import ActivationError
from services.workflows import archive_workflow

from .runtimes import KEY

# --- workflow JSON helpers ------------------------------------------------------------------------

def node(name: str, type_name: str, parameters: dict[str, Any], version: float = 1, x: int = 0,
         **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": version, "position": [x, 0], "parameters": parameters,
            **fields}


def hook(path: str = "orders", method: str | list[str] = "POST", mode: str = "onReceived", version: float = 2,
         **parameters: Any) -> dict[str, Any]:
    return node("Webhook", "n8n-nodes-base.webhook", {"path": path, "httpMethod": method, "responseMode": mode,
                                                      **parameters}, version, webhookId="7d3c9b1e-hook")


def chain(name: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    connections = {a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
                   for a, b in zip(nodes, nodes[1:], strict=False)}
    for index, item in enumerate(nodes):
        item["position"] = [index * 200, 0]
    return {"name": name, "nodes": list(nodes), "connections": connections, "settings": {"executionOrder": "v1"}}


def set_double() -> dict[str, Any]:
    return node("Double", "n8n-nodes-base.set", {"assignments": {"assignments": [
        {"id": "1", "name": "double", "value": "={{ $json.body.n * 2 }}", "type": "number"}]}}, 3.4)


def respond(**parameters: Any) -> dict[str, Any]:
    return node("Respond", "n8n-nodes-base.respondToWebhook", {"respondWith": "firstIncomingItem", **parameters}, 1.1)


def fail() -> dict[str, Any]:
    return node("Fail", "n8n-nodes-base.stopAndError", {"errorMessage": "boom"})


def broken() -> dict[str, Any]:
    """A node with an output that fails on every item."""
    return node("Broken", "n8n-nodes-base.set", {"assignments": {"assignments": [
        {"id": "1", "name": "x", "value": "={{ 1 / 0 }}", "type": "number"}]}}, 3.4)


def active(runtime: Runtime, actor: Actor, document: dict[str, Any]) -> str:
    view = workflow_access.create_workflow(runtime, actor, document)
    workflow_access.activate_workflow(runtime, actor, view.workflow.id)
    return view.workflow.id


def call(runtime: Runtime, path: str, body: bytes = b'{"n": 21}', method: str = "POST", *, test: bool = False,
         headers: dict[str, str] | None = None, ip: str = "127.0.0.1") -> dict[str, Any]:
    request = WebhookRequest(method, path, {"content-type": "application/json", **(headers or {})}, {}, body, ip,
                             "https://hooks.example.test")

    async def answer() -> dict[str, Any]:
        try:
            return await webhook_service(runtime).handle(request, test=test)
        finally:  # this loop ends here: the run it took (embedded mode) ends first, as at a shutdown
            await runtime.stop_runs_in_loop()

    return asyncio.run(answer())


def executions(runtime: Runtime) -> list[Execution]:
    with runtime.db.session() as session:
        return list(session.exec(select(Execution).order_by(col(Execution.id))))


def wait_until_finished(runtime: Runtime, execution_id: int) -> Execution:
    deadline = time.monotonic() + 10
    while True:
        with runtime.db.session() as session:
            row = session.get(Execution, execution_id)
        if row is not None and row.status not in ("new", "running"):
            return row
        assert time.monotonic() < deadline, f"execution {execution_id} did not finish"
        time.sleep(0.02)


# --- the route table --------------------------------------------------------------------------------

def test_route_table_matches_static_and_param_paths(registry: NodeRegistry) -> None:
    document = {"nodes": [
        node("Static", "n8n-nodes-base.webhook", {"path": "orders/new", "httpMethod": "POST"}, 2, webhookId="s"),
        node("Any", "n8n-nodes-base.webhook", {"path": "orders/:id", "httpMethod": "POST"}, 2, webhookId="w1"),
        node("Items", "n8n-nodes-base.webhook", {"path": "orders/:id/items", "httpMethod": "POST"}, 2,
             webhookId="w1"),
        node("Generic", "n8n-nodes-base.webhook", {"path": ":kind/:id", "httpMethod": "POST"}, 2,
             webhookId="w1"),
        node("Open", "n8n-nodes-base.webhook", {"path": "", "httpMethod": "GET"}, 2, webhookId="w2"),
    ]}
    table = RouteTable(node_routes("wf", "WF", "p", document, registry))
    found = table.match("POST", "orders/new")
    assert found is not None and (found[0].node["name"], found[1]) == ("Static", {})
    found = table.match("POST", "w1/orders/42")
    assert found is not None and (found[0].node["name"], found[1]) == ("Any", {"id": "42"})
    found = table.match("POST", "w1/orders/42/items")
    assert found is not None and (found[0].node["name"], found[1]) == ("Items", {"id": "42"})
    found = table.match("POST", "w1/users/7")  # "orders/:id" has more literal segments: it wins above
    assert found is not None and (found[0].node["name"], found[1]) == ("Generic", {"kind": "users", "id": "7"})
    assert table.match("GET", "w2") is not None  # an empty path answers at the node's webhook id
    assert table.match("GET", "w1/orders/42") is None and table.match("POST", "w1/a/b/c/d") is None
    assert table.methods("orders/new") == ["POST"] and table.methods("w1/orders/1") == ["POST"]


def test_node_routes_refuse_what_cannot_be_a_route(registry: NodeRegistry) -> None:
    twice = {"nodes": [node("A", "n8n-nodes-base.webhook", {"path": "x", "httpMethod": "POST"}, 2),
                       node("B", "n8n-nodes-base.webhook", {"path": "/x/", "httpMethod": "POST"}, 2)]}
    with pytest.raises(RouteConflict, match="Nodes 'A' and 'B' both listen to POST /webhook/x"):
        node_routes("wf", "WF", "p", twice, registry)
    nameless = {"nodes": [node("A", "n8n-nodes-base.webhook", {"path": ""}, 2)]}
    with pytest.raises(RouteConflict, match="has no path"):
        node_routes("wf", "WF", "p", nameless, registry)
    disabled = {"nodes": [node("A", "n8n-nodes-base.webhook", {"path": "x"}, 2, disabled=True)]}
    assert node_routes("wf", "WF", "p", disabled, registry) == []


# --- registration -----------------------------------------------------------------------------------

def test_second_workflow_on_a_path_is_refused_naming_the_first(runtime: Runtime, owner: Actor) -> None:
    first = active(runtime, owner, chain("Orders intake", hook()))
    second = workflow_access.create_workflow(runtime, owner, chain("Copy", hook())).workflow.id
    with pytest.raises(ActivationError, match="already used by the active workflow 'Orders intake'"):
        workflow_access.activate_workflow(runtime, owner, second)
    other_method = active(runtime, owner, chain("Reader", hook(method="GET")))
    assert other_method  # the same path with another method is another route
    workflow_access.deactivate_workflow(runtime.db, owner, first)
    workflow_access.activate_workflow(runtime, owner, second)
    with pytest.raises(ActivationError, match="'Copy'"):
        workflow_access.activate_workflow(runtime, owner, first)
    with runtime.db.session() as session:
        rows = session.exec(select(WebhookRegistration.workflow_id, WebhookRegistration.method)).all()
    assert sorted(rows) == sorted([(second, "POST"), (other_method, "GET")])


def test_rows_of_inactive_workflows_never_answer_nor_block(runtime: Runtime, owner: Actor) -> None:
    first = active(runtime, owner, chain("Old", hook()))
    archive_workflow(runtime.db, first)  # leaves its row behind, inactive
    assert call(runtime, "orders")["statusCode"] == 404
    active(runtime, owner, chain("New", hook()))
    assert call(runtime, "orders")["statusCode"] == 200


def test_saving_an_active_workflow_moves_its_routes(runtime: Runtime, owner: Actor) -> None:
    workflow_id = active(runtime, owner, chain("Moving", hook(path="before")))
    document = chain("Moving", hook(path="after"))
    workflow_access.update_workflow(runtime, owner, workflow_id, document)
    assert call(runtime, "before")["statusCode"] == 404
    assert call(runtime, "after")["statusCode"] == 200


def test_changes_made_by_another_process_are_seen_within_a_second(runtime: Runtime, owner: Actor,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    workflow_id = active(runtime, owner, chain("Elsewhere", hook()))
    assert call(runtime, "orders")["statusCode"] == 200
    monkeypatch.setattr(webhook_routes, "RECHECK_EVERY", 0.0)
    # Another process deactivates it: same database, no after-commit hook in this process.
    other = Database(runtime.db.url)
    try:
        with other.engine.begin() as connection:
            connection.execute(update(Workflow).where(col(Workflow.id) == workflow_id)
                               .values(active=False, updated_at=utcnow()))
            connection.execute(text("DELETE FROM webhook"))
    finally:
        other.dispose()
    assert call(runtime, "orders")["statusCode"] == 404


# --- answering ------------------------------------------------------------------------------------

def test_on_received_answers_once_the_execution_row_exists(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Intake", hook(), set_double()))
    answer = call(runtime, "orders")
    assert (answer["statusCode"], answer["body"]) == (200, {"message": "Workflow was started"})
    [execution] = executions(runtime)  # persisted before the answer
    assert execution.mode == "webhook"
    assert wait_until_finished(runtime, execution.id).status == "success"
    with runtime.db.session() as session:
        _, document = load_execution_data(session, execution.id)  # type: ignore[misc]
    item = document["runData"]["Webhook"][0]["data"]["main"][0][0]["json"]
    assert item["body"] == {"n": 21} and item["webhookUrl"] == "https://hooks.example.test/webhook/orders"
    assert item["executionMode"] == "production"
    assert document["runData"]["Double"][0]["data"]["main"][0][0]["json"] == {"double": 42}


def test_last_node_answers_with_its_output(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("All", hook("all", mode="lastNode", responseData="allEntries"), set_double()))
    active(runtime, owner, chain("One", hook("one", mode="lastNode", options={"responsePropertyName": "double"}),
                                 set_double()))
    assert call(runtime, "all")["body"] == [{"double": 42}]
    assert call(runtime, "one")["body"] == 42


def test_failed_runs_answer_500(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Last", hook("last", mode="lastNode"), fail()))
    active(runtime, owner, chain("Node", hook("node", mode="responseNode"), broken(), respond()))
    for path in ("last", "node"):
        answer = call(runtime, path)
        assert answer["statusCode"] == 500 and answer["body"]["message"] == "Error in workflow"


def test_respond_to_webhook_answers_before_the_run_ends(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Echo", hook(mode="responseNode"), set_double(),
                                 respond(options={"responseCode": 202}), fail()))
    answer = call(runtime, "orders")
    assert (answer["statusCode"], answer["body"]) == (202, {"double": 42})
    [execution] = executions(runtime)
    assert wait_until_finished(runtime, execution.id).status == "error"  # the run went on after responding


def test_a_run_that_never_reaches_the_respond_node_answers_empty(runtime: Runtime, owner: Actor) -> None:
    drop = node("Drop", "n8n-nodes-base.filter", {"conditions": {"conditions": [], "combinator": "or"}}, 2)
    active(runtime, owner, chain("Never", hook(mode="responseNode"), drop, respond()))
    answer = call(runtime, "orders")
    assert (answer["statusCode"], answer["bodyType"]) == (200, "none")


# --- where a webhook's run runs (embedded mode) -----------------------------------------------------

def pause(seconds: float) -> dict[str, Any]:
    return node("Pause", "n8n-nodes-base.wait", {"resume": "timeInterval", "amount": seconds, "unit": "seconds"}, 1.1)


def test_a_webhook_run_is_a_task_of_the_loop_that_took_the_call(runtime: Runtime, owner: Actor,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    enqueued: list[int] = []
    monkeypatch.setattr(runtime.executions, "enqueue", enqueued.append)
    active(runtime, owner, chain("Here", hook(mode="responseNode"), set_double(), respond()))
    answer = call(runtime, "orders")
    assert (answer["statusCode"], answer["body"]) == (200, {"double": 42})
    [execution] = executions(runtime)
    # Nothing went to the worker threads, and the row was born claimed by this process
    assert enqueued == []
    assert execution.status == "success" and execution.worker_id == runtime.worker_id
    assert execution.started_at == execution.created_at


def test_beyond_the_limit_webhook_runs_go_to_the_worker_threads(runtime: Runtime, owner: Actor,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    enqueued: list[int] = []
    monkeypatch.setattr(runtime.executions, "enqueue", enqueued.append)  # queued, never taken: stays `new`
    monkeypatch.setattr(runtime.executions, "here_limit", 1)
    active(runtime, owner, chain("Slow", hook(), pause(30)))
    request = WebhookRequest("POST", "orders", {"content-type": "application/json"}, {}, b"{}", "::1")

    async def scenario() -> list[int]:
        service = webhook_service(runtime)
        answers = [await service.handle(request), await service.handle(request)]
        assert [answer["statusCode"] for answer in answers] == [200, 200]
        # At shutdown the run still pausing in this loop gets its grace period, then is canceled
        await runtime.executions.stop_runs_here(timeout=0.2)
        return enqueued

    assert asyncio.run(scenario()) == [2]  # the second call found the loop's one place taken
    first, second = executions(runtime)
    assert (first.status, second.status) == ("canceled", "new")
    with runtime.db.session() as session:
        _, document = load_execution_data(session, first.id)  # type: ignore[misc]
    assert "Webhook" in document["runData"]  # canceled with what it had done recorded


def test_with_no_runs_in_the_loop_every_webhook_run_is_queued(runtime: Runtime, owner: Actor,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.executions, "here_limit", 0)  # KNOTWORK_WEBHOOK_RUNS_IN_LOOP=0
    active(runtime, owner, chain("Queued", hook(mode="lastNode"), set_double()))
    assert call(runtime, "orders")["body"] == {"double": 42}
    [execution] = executions(runtime)
    assert execution.status == "success" and execution.started_at != execution.created_at


def test_misconfigured_response_modes_answer_500_without_running(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("No node", hook("a", mode="responseNode"), set_double()))
    active(runtime, owner, chain("Stray node", hook("b", mode="onReceived"), respond()))
    assert "No Respond to Webhook node found" in call(runtime, "a")["body"]["message"]
    assert "Webhook node not correctly configured" in call(runtime, "b")["body"]["message"]
    assert executions(runtime) == []


# --- checks ---------------------------------------------------------------------------------------

def owner_project(runtime: Runtime, actor: Actor) -> str:
    from services.access import personal_project_id

    with runtime.db.session() as session:
        return personal_project_id(session, actor.user_id)


def with_credential(runtime: Runtime, actor: Actor, type_name: str, data: dict[str, Any],
                    auth: str, **parameters: Any) -> dict[str, Any]:
    stored = create_credential(runtime.db, KEY, project_id=owner_project(runtime, actor), name="Auth",
                               type=type_name, data=data)
    webhook = hook(authentication=auth, **parameters)
    webhook["credentials"] = {type_name: {"id": stored.id, "name": "Auth"}}
    return webhook


def test_basic_auth(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Basic", with_credential(runtime, owner, "httpBasicAuth",
                                                          {"user": "ada", "password": "s3cret"}, "basicAuth")))
    missing = call(runtime, "orders")
    assert (missing["statusCode"], missing["body"]) == (401, "Authorization is required!")
    assert missing["headers"]["www-authenticate"] == 'Basic realm="Webhook"'

    def basic(user: str, password: str) -> dict[str, str]:
        return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert call(runtime, "orders", headers=basic("ada", "wrong"))["statusCode"] == 403
    assert call(runtime, "orders", headers=basic("ada", "s3cret"))["statusCode"] == 200


def test_header_auth_and_missing_credentials(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Header", with_credential(runtime, owner, "httpHeaderAuth",
                                                           {"name": "X-Token", "value": "t0k"}, "headerAuth")))
    assert call(runtime, "orders")["statusCode"] == 403
    assert call(runtime, "orders", headers={"x-token": "t0k"})["statusCode"] == 200
    active(runtime, owner, chain("None chosen", hook("bare", authentication="headerAuth")))
    answer = call(runtime, "bare")
    assert (answer["statusCode"], answer["body"]) == (500, "No authentication data defined on node!")


def test_jwt_auth_puts_the_payload_in_the_item(runtime: Runtime, owner: Actor) -> None:
    from joserfc import jwt
    from joserfc.jwk import OctKey

    secret = "a-secret-long-enough-for-hs256-signing!"
    webhook = with_credential(runtime, owner, "jwtAuth", {"keyType": "passphrase", "secret": secret,
                                                          "algorithm": "HS256"}, "jwtAuth", mode="lastNode")
    active(runtime, owner, chain("JWT", webhook))
    assert call(runtime, "orders")["body"] == "No token provided"
    assert call(runtime, "orders", headers={"authorization": "Bearer not.a.token"})["statusCode"] == 403
    token = jwt.encode({"alg": "HS256"}, {"sub": "ada"}, OctKey.import_key(secret))
    answer = call(runtime, "orders", headers={"authorization": f"Bearer {token}"})
    assert answer["statusCode"] == 200 and answer["body"]["jwtPayload"] == {"sub": "ada"}


def test_ip_allowlist_and_bots(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Guarded", hook(options={"ipWhitelist": "10.0.0.0/8", "ignoreBots": True})))
    refused = call(runtime, "orders", ip="192.168.1.1")
    assert (refused["statusCode"], refused["body"]) == (403, "IP is not whitelisted to access the webhook!")
    assert call(runtime, "orders", ip="10.1.2.3", headers={"user-agent": "Twitterbot/1.0"})["statusCode"] == 403
    assert call(runtime, "orders", ip="10.1.2.3", headers={"user-agent": "curl/8"})["statusCode"] == 200


def test_unknown_paths_and_methods(runtime: Runtime, owner: Actor) -> None:
    active(runtime, owner, chain("Posts", hook()))
    missing = call(runtime, "nothing/here")
    assert missing["statusCode"] == 404 and '"POST nothing/here"' in missing["body"]["message"]
    wrong = call(runtime, "orders", method="GET")
    assert (wrong["statusCode"], wrong["headers"]["allow"]) == (405, "POST")
    assert call(runtime, "orders", b"{broken")["statusCode"] == 422


# --- the editor's test listener ---------------------------------------------------------------------

def test_listen_answers_one_test_call_in_manual_mode(runtime: Runtime, owner: Actor, registry: NodeRegistry) -> None:
    workflow_id = workflow_access.create_workflow(runtime, owner, chain("Draft", hook())).workflow.id
    document = chain("Draft", hook(mode="lastNode"), set_double())  # unsaved edits are what runs

    async def scenario() -> tuple[dict[str, Any], int, dict[str, Any]]:
        service = webhook_service(runtime)
        listener = service.tests.listen(workflow_id, owner_project(runtime, owner), document, runtime.registry)
        request = WebhookRequest("POST", "orders", {"content-type": "application/json"}, {}, b'{"n": 2}', "::1")
        answer = await service.handle(request, test=True)
        execution_id = await asyncio.wait_for(listener.called, 5)
        again = await service.handle(request, test=True)
        return answer, execution_id, again

    answer, execution_id, again = asyncio.run(scenario())
    assert answer["body"] == {"double": 4}
    assert again["statusCode"] == 404 and "test call" in again["body"]["message"]
    execution = wait_until_finished(runtime, execution_id)
    assert execution.mode == "manual" and execution.workflow_id == workflow_id
    assert call(runtime, "orders")["statusCode"] == 404  # not active: no production route


def test_listeners_expire_and_refuse_paths_of_other_workflows(runtime: Runtime, owner: Actor) -> None:
    async def scenario() -> None:
        service = webhook_service(runtime)
        listener = service.tests.listen("wf-a", "p", chain("A", hook()), runtime.registry, seconds=0.0)
        with pytest.raises(RouteConflict, match="Another workflow is listening"):
            service.tests.listen("wf-b", "p", chain("B", hook()), runtime.registry)
        await asyncio.sleep(0.01)
        request = WebhookRequest("POST", "orders", {}, {}, b"", "::1")
        assert (await service.handle(request, test=True))["statusCode"] == 404
        with pytest.raises(asyncio.CancelledError):
            await listener.called

    asyncio.run(scenario())


def test_events_that_come_before_their_waiter_are_kept() -> None:
    from services.events import EXECUTIONS, LocalEventBus
    from services.webhooks import ResponseWaiters

    bus = LocalEventBus()
    waiters = ResponseWaiters(bus)
    bus.publish(EXECUTIONS, {"event": "webhook.response", "executionId": 5, "response": {"statusCode": 201}})
    bus.publish(EXECUTIONS, {"event": "node.finished", "executionId": 5})

    async def scenario() -> dict[str, Any]:
        waiter = waiters.expect(5, asyncio.get_running_loop())
        return await asyncio.wait_for(waiter.response, 1)

    assert asyncio.run(scenario()) == {"statusCode": 201}


def test_editor_helpers_urls_and_listening_rights(runtime: Runtime, owner: Actor) -> None:
    from services.access import NotFound
    from services.webhooks import listen_for_test_call, node_urls

    assert node_urls(runtime, hook("orders/:id")) == {
        "test": "http://127.0.0.1:8080/webhook-test/7d3c9b1e-hook/orders/:id",
        "production": "http://127.0.0.1:8080/webhook/7d3c9b1e-hook/orders/:id"}
    workflow_id = workflow_access.create_workflow(runtime, owner, chain("Mine", hook())).workflow.id
    stranger_user = create_user(runtime.db, "stranger@example.com", "long enough password", role="member")
    stranger = Actor(stranger_user.id, "member", stranger_user.email)

    async def scenario() -> None:
        listener = await listen_for_test_call(runtime, owner, workflow_id, chain("Mine", hook()))
        assert [route.path for route in listener.routes] == ["orders"]
        with pytest.raises(NotFound):
            await listen_for_test_call(runtime, stranger, workflow_id, chain("Mine", hook()))

    asyncio.run(scenario())
