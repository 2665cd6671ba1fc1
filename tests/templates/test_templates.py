"""Every gallery template imports into a real runtime and runs, its external calls stubbed: a
loopback HTTP server for Slack, GitHub and other APIs, aiosmtpd for email, the real PostgreSQL and
Redis where a template stores data. Each test asserts what the stubs received and what nodes output."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from services import workflow_access
from services.access import Actor
from services.runtime import Runtime
from services.template_gallery import list_templates
from services.webhooks import WebhookRequest, webhook_service
from services.workflow_access import create_workflow
from tests.smtp_inbox import Inbox, smtp_inbox

from .harness import Installed, install, webhook_item
from .stub_http import Answer, StubServer

SLACK_PATH = "/services/T000/B000/slack"


def slack_vars(stub: StubServer) -> dict[str, str]:
    return {"SLACK_WEBHOOK_URL": stub.url + SLACK_PATH}


def test_every_template_has_a_name_category_description_and_a_test() -> None:
    templates = list_templates()
    assert len(templates) >= 20
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    for template in templates:
        assert template.name and template.category and len(template.description) > 40, template.id
        assert template.id in tested, f"template {template.id} has no test_{template.id.replace('-', '_')}"


def test_webhook_to_slack_alert(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "webhook-to-slack-alert", slack_vars(stub))
    run = flow.run([webhook_item({"title": "Disk full", "message": "db1 at 95%"})])
    assert run.status == "success", run.error
    [call] = stub.calls(SLACK_PATH)
    assert call.json() == {"text": ":rotating_light: *Disk full*: db1 at 95%"}


def test_scheduled_health_check(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "scheduled-health-check",
                   {**slack_vars(stub), "HEALTHCHECK_URL": stub.url + "/health"})
    stub.route("GET", "/health", Answer(200, {"status": "ok"}))
    healthy = flow.run()
    assert healthy.status == "success", healthy.error
    assert healthy.ran("Healthy") and not stub.calls(SLACK_PATH)
    stub.route("GET", "/health", Answer(503, {"status": "down"}))
    down = flow.run()
    assert down.status == "success", down.error
    [call] = stub.calls(SLACK_PATH)
    assert call.json() == {"text": f":red_circle: {stub.url}/health answered HTTP 503"}


# ---- email and databases ------------------------------------------------------------------------

@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_inbox() as server:
        yield server


@pytest.fixture
def pg() -> Iterator[Any]:
    """A connection to the real PostgreSQL test database (autocommit)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres", autocommit=True,
                                     connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 does not answer: {error}")
    with connection:
        yield connection


PG_CREDENTIAL = ("postgres", "Postgres account", {"host": "127.0.0.1", "port": 5432, "database": "test",
                                                  "user": "postgres", "password": "", "ssl": "disable"})


def test_rss_digest_email(runtime: Runtime, owner: Actor, stub: StubServer, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    entries = "".join(f"<item><title>Post {n}</title><link>https://blog.example/{n}</link></item>" for n in range(12))
    stub.route("GET", "/feed.xml", Answer(200, f"<rss version='2.0'><channel><title>B</title>{entries}</channel></rss>",
                                          "application/rss+xml"))
    flow = install(runtime, owner, "rss-digest-email",
                   {"RSS_FEED_URL": stub.url + "/feed.xml", "DIGEST_EMAIL_TO": "reader@example.com"},
                   [("smtp", "SMTP account", {"host": "127.0.0.1", "port": port, "secure": False,
                                              "disableStartTls": True})])
    run = flow.run()
    assert run.status == "success", run.error
    [mail] = inbox.messages
    assert (mail["To"], mail["Subject"]) == ("reader@example.com", "Your daily feed digest")
    lines = [f"- Post {n}: https://blog.example/{n}" for n in range(10)]
    text = mail.get_payload(decode=True).decode().replace("\r\n", "\n").strip()
    assert text == "Today's entries:\n" + "\n".join(lines)


def test_form_to_database(runtime: Runtime, owner: Actor, pg: Any) -> None:
    pg.execute("DROP TABLE IF EXISTS contact_requests")
    pg.execute("CREATE TABLE contact_requests (id serial PRIMARY KEY, name text, email text, message text)")
    try:
        flow = install(runtime, owner, "form-to-database", credentials=[PG_CREDENTIAL])
        run = flow.run([webhook_item({"name": "Ada", "email": "ada@example.com", "message": "Call me"})])
        assert run.status == "success", run.error
        rows = pg.execute("SELECT id, name, email, message FROM contact_requests").fetchall()
    finally:
        pg.execute("DROP TABLE IF EXISTS contact_requests")
    [(row_id, *fields)] = rows
    assert fields == ["Ada", "ada@example.com", "Call me"]
    assert run.output("Respond") == [{"ok": True, "id": row_id}]


def test_csv_import_postgres(runtime: Runtime, owner: Actor, stub: StubServer, pg: Any) -> None:
    pg.execute("DROP TABLE IF EXISTS stock")
    pg.execute("CREATE TABLE stock (sku text PRIMARY KEY, name text, quantity int)")
    stub.route("GET", "/stock.csv", Answer(200, "sku,name,quantity\nA-1,Bolt,40\nB-2,Nut,7\n", "text/csv"))
    try:
        flow = install(runtime, owner, "csv-import-postgres", {"CSV_URL": stub.url + "/stock.csv"},
                       [PG_CREDENTIAL])
        run = flow.run()
        assert run.status == "success", run.error
        rows = pg.execute("SELECT sku, name, quantity FROM stock ORDER BY sku").fetchall()
    finally:
        pg.execute("DROP TABLE IF EXISTS stock")
    assert rows == [("A-1", "Bolt", 40), ("B-2", "Nut", 7)]


def test_daily_report(runtime: Runtime, owner: Actor, stub: StubServer, pg: Any) -> None:
    pg.execute("DROP TABLE IF EXISTS shop_orders")
    pg.execute("CREATE TABLE shop_orders (id serial, status text, created_at timestamptz)")
    pg.execute("INSERT INTO shop_orders (status, created_at) VALUES ('paid', now()), ('paid', now()), "
               "('refunded', now()), ('paid', now() - interval '3 days')")
    try:
        flow = install(runtime, owner, "daily-report", slack_vars(stub), [PG_CREDENTIAL])
        run = flow.run()
        assert run.status == "success", run.error
    finally:
        pg.execute("DROP TABLE IF EXISTS shop_orders")
    [call] = stub.calls(SLACK_PATH)
    assert call.json() == {"text": "*Orders of the last 24 hours*\npaid: 2\nrefunded: 1"}


def test_redis_cached_api(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    redis = pytest.importorskip("redis")
    client: Any = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    symbol = f"T{socket.gethostname()[:4]}{id(stub)}"
    stub.route("GET", "/price", Answer(200, {"price": "12.5"}))
    flow = install(runtime, owner, "redis-cached-api", {"PRICE_API_URL": stub.url + "/price"},
                   [("redis", "Redis account", {"host": "127.0.0.1", "port": 6379, "database": 13})])
    try:
        first = flow.run([webhook_item(query={"symbol": symbol})])
        second = flow.run([webhook_item(query={"symbol": symbol})])
        ttl = client.ttl(f"price:{symbol}")
    finally:
        client.delete(f"price:{symbol}")
        client.close()
    assert first.status == second.status == "success", (first.error, second.error)
    assert first.output("Respond") == [{"price": "12.5", "source": "api"}]
    assert second.output("Respond") == [{"price": "12.5", "source": "cache"}]
    assert [call.query for call in stub.calls("/price")] == [{"symbol": [symbol]}]
    assert 0 < ttl <= 60


# ---- HTTP-only templates ------------------------------------------------------------------------

def test_github_issue_triage(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "github-issue-triage", {"GITHUB_API_URL": stub.url},
                   [("httpHeaderAuth", "GitHub token", {"name": "Authorization", "value": "Bearer ghp_test"})])

    def opened(number: int, title: str, action: str = "opened") -> dict[str, Any]:
        return webhook_item({"action": action, "issue": {"number": number, "title": title},
                             "repository": {"full_name": "acme/app"}})

    for event in (opened(1, "Crash when saving"), opened(2, "Idea: dark mode"), opened(3, "How do I log in?"),
                  opened(4, "Bug in export", action="closed")):
        run = flow.run([event])
        assert run.status == "success", run.error
    labels = {call.path: call.json() for call in stub.requests}
    assert labels == {"/repos/acme/app/issues/1/labels": {"labels": ["bug"]},
                      "/repos/acme/app/issues/2/labels": {"labels": ["enhancement"]},
                      "/repos/acme/app/issues/3/labels": {"labels": ["question"]}}
    assert {call.headers["authorization"] for call in stub.requests} == {"Bearer ghp_test"}


def test_retry_with_backoff(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    def fast(document: dict[str, Any]) -> None:  # pauses of 0.02, 0.04 s instead of 1, 2 s: the same loop
        [first] = [node for node in document["nodes"] if node["name"] == "First attempt"]
        first["parameters"]["assignments"]["assignments"][1]["value"] = "0.02"

    flow = install(runtime, owner, "retry-with-backoff", {**slack_vars(stub), "FLAKY_API_URL": stub.url + "/flaky"},
                   adjust=fast)
    stub.route("GET", "/flaky", Answer(200, {"value": 42}, fail_times=2))
    run = flow.run()
    assert run.status == "success", run.error
    assert len(stub.calls("/flaky")) == 3 and not stub.calls(SLACK_PATH)
    assert run.output("Result") == [{"body": {"value": 42}}]
    assert [r["data"]["main"][0][0]["json"]["attempt"] for r in run.run_data["Attempt counter"]] == [0, 1, 2]
    assert [r["data"]["main"][0][0]["json"]["baseSeconds"] for r in run.run_data["Next attempt"]] == [0.02, 0.02]


def test_error_notification(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    handler = install(runtime, owner, "error-notification", slack_vars(stub))
    failing = {"name": "nightly import", "settings": {"executionOrder": "v1", "errorWorkflow": handler.workflow_id},
               "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
                          "position": [0, 0], "parameters": {}},
                         {"name": "Check", "type": "n8n-nodes-base.stopAndError", "typeVersion": 1,
                          "position": [200, 0], "parameters": {"errorMessage": "no stock file"}}],
               "connections": {"Start": {"main": [[{"node": "Check", "type": "main", "index": 0}]]}}}
    view = create_workflow(runtime, owner, failing)
    failed = Installed(runtime, owner, view.workflow.id, failing, view.workflow.project_id).run()
    assert failed.status == "error"
    [call] = stub.wait_for(SLACK_PATH)
    assert call.json() == {"text": f":x: Workflow *nightly import* failed in node 'Check': no stock file\n"
                                   f"http://127.0.0.1:8080/execution/{failed.execution.id}"}


def test_sub_workflow_pattern(runtime: Runtime, owner: Actor) -> None:
    run = install(runtime, owner, "sub-workflow-pattern").run()
    assert run.status == "success", run.error
    assert run.output("Clean contact") == [{"email": "ada@example.com", "name": "Ada Lovelace"},
                                           {"email": "alan@example.com", "name": "Alan Turing"}]


def test_webhook_json_api(runtime: Runtime, owner: Actor) -> None:
    run = install(runtime, owner, "webhook-json-api").run([webhook_item(query={"name": "Ada"})])
    assert run.status == "success", run.error
    assert run.output("Respond") == [{"greeting": "Hello, Ada!"}]


def test_new_items_to_slack(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "new-items-to-slack", {**slack_vars(stub), "ITEMS_API_URL": stub.url + "/items"})
    stub.route("GET", "/items", Answer(200, [{"id": 1, "title": "One"}, {"id": 2, "title": "Two"}]))
    assert flow.run().status == "success"
    stub.route("GET", "/items", Answer(200, [{"id": 2, "title": "Two"}, {"id": 3, "title": "Three"}]))
    assert flow.run().status == "success"
    # HTTP Request sends a run's items concurrently (as n8n does): the order within a run is free
    assert sorted(call.json()["text"] for call in stub.calls(SLACK_PATH)) == ["New: One", "New: Three", "New: Two"]


def test_batch_api_calls(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    records = [{"id": n, "name": f"r{n}"} for n in range(5)]
    stub.route("GET", "/records", Answer(200, records))
    flow = install(runtime, owner, "batch-api-calls",
                   {"SOURCE_API_URL": stub.url + "/records", "TARGET_API_URL": stub.url + "/import"})
    run = flow.run()
    assert run.status == "success", run.error
    assert sorted((call.json() for call in stub.calls("/import")), key=lambda r: r["id"]) == records
    assert len(run.run_data["Pause"]) == 3  # batches of 2, 2 and 1
    assert run.output("Count sent") == [{"count_statusCode": 5}]


def test_merge_two_apis(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    stub.route("GET", "/orders", Answer(200, [{"order": "A", "customer_id": 1}, {"order": "B", "customer_id": 2},
                                               {"order": "C", "customer_id": 9}]))
    stub.route("GET", "/customers", Answer(200, [{"customer_id": 1, "name": "Ada"}, {"customer_id": 2, "name": "Alan"}]))
    run = install(runtime, owner, "merge-two-apis", {"ORDERS_API_URL": stub.url + "/orders",
                                                     "CUSTOMERS_API_URL": stub.url + "/customers"}).run()
    assert run.status == "success", run.error
    assert run.output("Join on customer") == [{"order": "A", "customer_id": 1, "name": "Ada"},
                                              {"order": "B", "customer_id": 2, "name": "Alan"}]


def test_xml_to_json(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    stub.route("GET", "/books.xml", Answer(200, "<catalog><book id='1'><title>Dune</title></book>"
                                                "<book id='2'><title>Emma</title></book></catalog>", "application/xml"))
    run = install(runtime, owner, "xml-to-json", {"XML_URL": stub.url + "/books.xml"}).run()
    assert run.status == "success", run.error
    assert run.output("One item per book") == [{"id": "1", "title": "Dune"}, {"id": "2", "title": "Emma"}]


def test_website_change_monitor(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "website-change-monitor", {**slack_vars(stub), "WATCH_URL": stub.url + "/page"})
    for heading in ("Spring sale", "Spring sale", "Summer sale"):
        stub.route("GET", "/page", Answer(200, f"<html><body><h1> {heading} </h1></body></html>", "text/html"))
        assert flow.run().status == "success"
    assert [call.json()["text"] for call in stub.calls(SLACK_PATH)] == [
        f"The page {stub.url}/page now says: Spring sale", f"The page {stub.url}/page now says: Summer sale"]


def test_top_sales_report(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    sales = [{"product": p, "amount": a} for p, a in (("tea", 5), ("cake", 30), ("pie", 12), ("jam", 8), ("bun", 2))]
    stub.route("GET", "/sales", Answer(200, {"sales": sales}))
    run = install(runtime, owner, "top-sales-report", {**slack_vars(stub), "SALES_API_URL": stub.url + "/sales"}).run()
    assert run.status == "success", run.error
    [call] = stub.calls(SLACK_PATH)
    assert call.json() == {"text": "Top sales today: cake (30), pie (12), jam (8)"}


def test_chat_broadcast(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "chat-broadcast", {name: f"{stub.url}/{name.split('_')[0].lower()}" for name in
                                                      ("DISCORD_WEBHOOK_URL", "TEAMS_WEBHOOK_URL", "MATTERMOST_WEBHOOK_URL")})
    run = flow.run([webhook_item({"message": "Deploy finished"})])
    assert run.status == "success", run.error
    assert {call.path: call.json() for call in stub.requests} == {
        "/discord": {"content": "Deploy finished"}, "/teams": {"text": "Deploy finished"},
        "/mattermost": {"text": "Deploy finished", "username": "Knotwork"}}


def test_weekly_reminder(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "weekly-reminder", slack_vars(stub))
    run = flow.run([{"timestamp": "2026-12-07T09:00:00.000+00:00", "Timezone": "UTC (UTC+00:00)"}])
    assert run.status == "success", run.error
    [call] = stub.calls(SLACK_PATH)
    assert call.json() == {"text": ":spiral_calendar_pad: Week of 7 December 2026: please fill in your timesheet."}


def test_order_routing(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    flow = install(runtime, owner, "order-routing", {**slack_vars(stub), "CRM_API_URL": stub.url + "/crm"})
    for order in ({"id": "o1", "customer": "Ada", "amount": 2500}, {"id": "o2", "customer": "Alan", "amount": 40}):
        assert flow.run([webhook_item(order)]).status == "success"
    assert [call.json()["id"] for call in stub.calls("/crm")] == ["o1", "o2"]
    assert [call.json() for call in stub.calls(SLACK_PATH)] == [{"text": "Large order o1 from Ada: 2500"}]


def test_json_to_csv_upload(runtime: Runtime, owner: Actor, stub: StubServer) -> None:
    stub.route("GET", "/records", Answer(200, [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Alan"}]))
    run = install(runtime, owner, "json-to-csv-upload",
                  {"SOURCE_API_URL": stub.url + "/records", "UPLOAD_URL": stub.url + "/upload"}).run()
    assert run.status == "success", run.error
    [call] = stub.calls("/upload")
    assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="export.csv"' in call.body
    assert b"id,name\n1,Ada\n2,Alan" in call.body.replace(b"\r\n", b"\n")


def test_an_activated_webhook_template_answers_a_real_call(runtime: Runtime, owner: Actor) -> None:
    # Given the JSON API template, used from the gallery and activated
    flow = install(runtime, owner, "webhook-json-api")
    workflow_access.activate_workflow(runtime, owner, flow.workflow_id)
    # When a caller asks GET /webhook/hello?name=Ada
    request = WebhookRequest("GET", "hello", {"accept": "application/json"}, {"name": "Ada"}, b"", "127.0.0.1")

    async def answer() -> dict[str, Any]:
        try:
            return await webhook_service(runtime).handle(request)
        finally:  # this loop ends here: the run it took ends first, as at a shutdown
            await runtime.stop_runs_in_loop()

    answer = asyncio.run(answer())
    # Then the Respond to Webhook node answers with the greeting
    assert answer["statusCode"] == 200
    assert answer["body"] == {"greeting": "Hello, Ada!"}
