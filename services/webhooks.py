"""Webhooks: the routes of active workflows, the editor's test listeners, and answering a call.

Registration (services.webhook_routes): set_active (services.workflow_access) calls `register_routes`
/ `unregister_routes` in its transaction. A method and path already taken by another active workflow refuse the activation
(RouteConflict names that workflow). Rows of inactive workflows are ignored everywhere, so a
workflow archived without set_active never answers.

A call: `WebhookService.handle(request, test=...)` finds the route in a RouteTable kept per process
(reloaded at once after an activation in this process, and within RECHECK_EVERY seconds after one
in another process), checks IP, bots and authentication, persists and enqueues the execution with
the request item, then answers as the Webhook node says: at once (the execution row exists by
then), when the run ends (lastNode), or when a Respond to Webhook node sends its response
(responseNode). Responses and ends arrive as bus events, with a look at the row every
_POLL_EVERY seconds in case an event was lost. Database work runs in threads, never on the loop.

For the editor: `node_urls` (a Webhook node's test and production URLs) and `listen_for_test_call`
(its "Listen for test event").

What the service never does: evaluate expressions in webhook settings, stream responses, or share
test listeners between processes (the editor and its test call must reach the same process).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hmac
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.registry import NodeRegistry
from models import Execution
from models.executions import FINISHED
from models.repositories import load_execution_data
from nodes.core.respond_to_webhook import RESPONSE_EVENT, WebhookResponseError, response
from nodes.core.webhook import (
    UploadedFile,
    WebhookRequest,
    allowed_origin,
    ip_allowed,
    is_bot,
    last_node_response,
    received_response,
    request_item,
    webhook_settings,
)

from .credentials import DatabaseCredentials
from .events import EXECUTIONS
from .mailer import public_url
from .webhook_routes import (  # noqa: F401  (re-exported: the service's callers import them from here)
    Route,
    RouteConflict,
    RouteIndex,
    RouteTable,
    node_routes,
    register_routes,
    registered_path,
    unregister_routes,
)

if TYPE_CHECKING:
    from .access import Actor
    from .runtime import Runtime

log = logging.getLogger(__name__)

TEST_LISTEN_SECONDS = 120.0  # how long the editor listens for a test call
RESPONSE_TIMEOUT = 300.0  # seconds a caller waits for lastNode / responseNode answers
_POLL_EVERY = 0.5  # seconds between looks at the execution row while waiting
_RECENT_EVENTS = 2048  # events kept for executions nobody waits for yet (see ResponseWaiters)
_FAILED = frozenset({"error", "crashed", "canceled"})

# --- the editor's test listeners -----------------------------------------------------------------

@dataclass
class TestListener:
    """One Listen click in the editor: its routes answer /webhook-test/ once, until `deadline`.
    `called` (a future of the loop that listened) gets the id of the execution the call started;
    it is cancelled when the listener expires or another one replaces it."""

    __test__ = False  # not a pytest test class
    routes: list[Route]
    deadline: float
    called: asyncio.Future[int]

    def settle(self, execution_id: int | None) -> None:
        """Resolve `called` (None cancels it), from any thread."""
        future = self.called

        def apply() -> None:
            if future.done():
                return
            if execution_id is None:
                future.cancel()
            else:
                future.set_result(execution_id)

        with contextlib.suppress(RuntimeError):  # the listening loop is gone: nobody waits
            future.get_loop().call_soon_threadsafe(apply)


class TestWebhooks:
    """Test listeners of this process (the editor's Listen for test event)."""

    __test__ = False

    def __init__(self) -> None:
        self._listeners: list[TestListener] = []
        self._lock = threading.Lock()

    def listen(self, workflow_id: str, project_id: str, document: Mapping[str, Any], registry: NodeRegistry,
               seconds: float = TEST_LISTEN_SECONDS) -> TestListener:
        """Answer the next test call of any Webhook node of `document` (the editor's unsaved workflow).
        A listener for the same workflow replaces the previous one. Call it from the event loop that
        awaits `called`. Raises RouteConflict (no Webhook node, a bad path, or a path another
        workflow's test listener holds)."""
        routes = node_routes(workflow_id, str(document.get("name") or ""), project_id, document, registry)
        if not routes:
            raise RouteConflict("The workflow has no enabled Webhook node to listen with")
        listener = TestListener(routes, time.monotonic() + seconds, asyncio.get_running_loop().create_future())
        with self._lock:
            self._drop(lambda old: old.routes[0].workflow_id == workflow_id)
            table = RouteTable(route for old in self._listeners for route in old.routes)
            for route in routes:
                if table.match(route.method, route.path) is not None:
                    raise RouteConflict(f"Another workflow is listening for test calls to {route.method} "
                                        f"/webhook-test/{route.path}")
            self._listeners.append(listener)
        return listener

    def take(self, method: str, path: str) -> tuple[TestListener, Route, dict[str, str]] | None:
        """The listener answering this call, removed: a test listener answers one call."""
        with self._lock:
            self._drop(lambda old: old.deadline < time.monotonic() or old.called.done())
            for listener in self._listeners:
                found = RouteTable(listener.routes).match(method, path)
                if found is not None:
                    self._listeners.remove(listener)
                    return listener, *found
        return None

    def methods(self, path: str) -> list[str]:
        with self._lock:
            return RouteTable(r for listener in self._listeners for r in listener.routes).methods(path)

    def peek(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route a test call would reach, leaving the listener in place."""
        with self._lock:
            return RouteTable(r for listener in self._listeners for r in listener.routes).match(method, path)

    def _drop(self, condition: Callable[[TestListener], bool]) -> None:
        for old in [listener for listener in self._listeners if condition(listener)]:
            self._listeners.remove(old)
            old.settle(None)


# --- waiting for responses and ends ---------------------------------------------------------------

class _Waiter:
    """What one call waits for: the response (responseNode only) or the end of the run, whichever
    comes first decides; later events are dropped without waking the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, wants_response: bool) -> None:
        self.loop = loop
        self.wants_response = wants_response
        self.decided = False
        self.response: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.finished: asyncio.Future[str] = loop.create_future()

    def deliver(self, event: dict[str, Any]) -> None:
        """From the bus's thread."""
        if self.decided or (event.get("event") == RESPONSE_EVENT and not self.wants_response):
            return
        self.decided = True
        self.loop.call_soon_threadsafe(self._set, event)

    def _set(self, event: dict[str, Any]) -> None:
        if event.get("event") == RESPONSE_EVENT:
            if not self.response.done() and isinstance(event.get("response"), dict):
                self.response.set_result(event["response"])
        elif not self.finished.done():
            self.finished.set_result(str(event.get("status") or ""))


class ResponseWaiters:
    """One bus subscription per process routing "webhook.response" and "execution.finished" events to
    the call waiting for that execution. An event that comes before its waiter is registered (the run
    can end before `start` returns) is kept among the last _RECENT_EVENTS and handed over."""

    def __init__(self, bus: Any) -> None:
        self._waiting: dict[int, _Waiter] = {}
        self._recent: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        bus.subscribe(EXECUTIONS, self._on_event)

    def _on_event(self, channel: str, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind != RESPONSE_EVENT and kind != "execution.finished":
            return
        execution_id = event.get("executionId")
        with self._lock:
            waiter = self._waiting.get(execution_id)  # type: ignore[arg-type]
            if waiter is None:
                self._recent.setdefault(execution_id, []).append(event)  # type: ignore[arg-type]
                while len(self._recent) > _RECENT_EVENTS:
                    self._recent.popitem(last=False)
                return
        waiter.deliver(event)

    def expect(self, execution_id: int, loop: asyncio.AbstractEventLoop, wants_response: bool = True,
               *, fresh: bool = False) -> _Waiter:
        """A waiter for the execution's next response or end. `fresh` (a resumed execution) drops
        events kept from before, such as the end of the run that went to wait."""
        waiter = _Waiter(loop, wants_response)
        with self._lock:
            self._waiting[execution_id] = waiter
            early = self._recent.pop(execution_id, [])
            if fresh:
                early = []
        for early_event in early:
            waiter.deliver(early_event)
        return waiter

    def forget(self, execution_id: int) -> None:
        with self._lock:
            self._waiting.pop(execution_id, None)


# --- the service ----------------------------------------------------------------------------------

Answer = dict[str, Any]  # a response in the shape nodes.core.respond_to_webhook describes
_AUTH_TYPES = {"basicAuth": "httpBasicAuth", "headerAuth": "httpHeaderAuth", "jwtAuth": "jwtAuth"}


def error_answer(status: int, code: str, message: str, **extra: Any) -> Answer:
    """A JSON error, shaped like the APIs' errors (api.errors)."""
    return response(status, {}, {"code": code, "message": message, **extra})


def _text_answer(status: int, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    return response(status, {"content-type": "text/plain; charset=utf-8", **(headers or {})}, message, "text")


class WebhookService:
    """Everything a process needs to answer webhook calls: the route index, test listeners, waiters."""

    def __init__(self, runtime: Runtime) -> None:
        # The runtime's parts, not the runtime: webhook_service() keeps services per runtime and must
        # not keep a runtime alive.
        self.db, self.executions, self.settings = runtime.db, runtime.executions, runtime.settings
        self.registry = runtime.registry
        self.index = RouteIndex(runtime)
        self.tests = TestWebhooks()
        self.waiters = ResponseWaiters(runtime.bus)
        self.max_body = int(runtime.settings.payload_max_mb) * 2**20
        self._credentials: weakref.WeakKeyDictionary[Route, DatabaseCredentials] = weakref.WeakKeyDictionary()
        # SQLite has one writer at a time and its lock waits sleep in steps of milliseconds: starts
        # queue here instead of piling up on the lock (PostgreSQL takes several at once).
        self._starter = ThreadPoolExecutor(1 if runtime.db.is_sqlite else 8, thread_name_prefix="webhook-start")

    def close(self) -> None:
        self._starter.shutdown(wait=False)

    async def handle(self, request: WebhookRequest, *, test: bool = False) -> Answer:
        """The answer to one call of /webhook/<path> (or /webhook-test/<path> when `test`)."""
        if request.method == "OPTIONS":
            return await self._preflight(request, test)
        listener: TestListener | None = None
        found: tuple[Route, dict[str, str]] | None
        if test:
            taken = self.tests.take(request.method, request.path)
            listener, found = (taken[0], (taken[1], taken[2])) if taken else (None, None)
        else:
            found = (await self.index.table()).match(request.method, request.path)
        if found is None:
            return await self._unknown(request, test)
        route, params = found
        refusal, jwt_payload = await self.check_call(route, request)
        if refusal is not None:
            return refusal
        if route.problem:
            return error_answer(500, "webhook_misconfigured", route.problem)
        base = self.settings.public_url.rstrip("/") or request.public_base or public_url(self.settings, "")
        url = f"{base}/{'webhook-test' if test else 'webhook'}/{route.path}"
        version = float(route.node.get("typeVersion") or 1)
        try:
            item = request_item(route.settings, version, request, params, webhook_url=url, test=test)
        except ValueError as error:
            return error_answer(422, "invalid_request", f"Failed to parse request body: {error}")
        if jwt_payload is not None:
            item["json"]["jwtPayload"] = jwt_payload
        answer = await self._run(route, item, listener)
        origin = allowed_origin(route.settings, request.headers.get("origin", ""))
        if origin is not None:
            answer["headers"].setdefault("access-control-allow-origin", origin)
        return answer

    # ---- checks before anything runs ----------------------------------------------------------
    async def check_call(self, route: Route, request: WebhookRequest) -> tuple[Answer | None, dict[str, Any] | None]:
        """(a refusal, or None; the JWT payload of jwtAuth), as the Webhook node checks a call."""
        options = route.settings.options
        if not ip_allowed(options.get("ipWhitelist"), request.client_ip):
            return _text_answer(403, "IP is not whitelisted to access the webhook!"), None
        if options.get("ignoreBots") and is_bot(request.headers.get("user-agent", "")):
            return _text_answer(403, "Authorization data is wrong!"), None
        credential_type = _AUTH_TYPES.get(route.settings.authentication)
        if credential_type is None:
            return None, None
        data = await asyncio.to_thread(self._credential, route, credential_type)
        if credential_type == "jwtAuth":
            return _check_jwt(data, request)
        return _check_secret(credential_type, data, request), None

    def _credential(self, route: Route, credential_type: str) -> dict[str, Any] | None:
        """The node's credential of that type, decrypted (None: none chosen or usable). One
        DatabaseCredentials per route, so its use is audited once per route, not per call."""
        reference = (route.node.get("credentials") or {}).get(credential_type)
        if not isinstance(reference, Mapping) or not (reference.get("id") or reference.get("name")):
            return None
        provider = self._credentials.get(route)
        if provider is None:
            provider = self._credentials[route] = DatabaseCredentials(
                self.db, self.executions.encryption_key, route.project_id,
                workflow_id=route.workflow_id)
        try:
            return asyncio.run(provider.get(str(route.node["name"]), credential_type, reference))
        except Exception:
            return None

    # ---- running and answering -----------------------------------------------------------------
    async def _run(self, route: Route, item: dict[str, Any], listener: TestListener | None) -> Answer:
        loop = asyncio.get_running_loop()
        waits = route.settings.response_mode in ("lastNode", "responseNode")
        start = functools.partial(self._start, route, item, "manual" if listener else "webhook", waits, loop)
        try:
            if self.executions.can_start_here():  # embedded mode: the run is a task of this loop
                execution_id, waiter = start(here=True)
            else:
                execution_id, waiter = await loop.run_in_executor(self._starter, start)
        except Exception:
            log.exception("could not start workflow %s from its webhook", route.workflow_id)
            return error_answer(500, "internal_error", "Workflow Webhook Error: Workflow could not be started!")
        if listener is not None:
            listener.settle(execution_id)
        if waiter is None:
            return received_response(route.settings)
        try:
            return await self.answer_when_done(route, execution_id, waiter)
        finally:
            self.waiters.forget(execution_id)

    def _start(self, route: Route, item: dict[str, Any], mode: str, waits: bool,
               loop: asyncio.AbstractEventLoop, here: bool = False) -> tuple[int, _Waiter | None]:
        start = self.executions.start_here if here else self.executions.start
        execution_id = start(route.document, workflow_id=route.workflow_id, project_id=route.project_id, mode=mode,
                             start_items=[item], start_node=str(route.node["name"]))
        # Registered right after the start (a run started here has not begun yet), so events rarely
        # need the recent buffer.
        if not waits:
            return execution_id, None
        return execution_id, self.waiters.expect(execution_id, loop, route.settings.response_mode == "responseNode")

    async def answer_when_done(self, route: Route, execution_id: int, waiter: _Waiter) -> Answer:
        """Wait for the response (responseNode) or the end of the run; n8n's answers otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RESPONSE_TIMEOUT
        wanted = {waiter.finished} if route.settings.response_mode == "lastNode" else {waiter.response, waiter.finished}
        while not any(future.done() for future in wanted):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return error_answer(504, "timeout", f"The workflow did not answer within {RESPONSE_TIMEOUT:g} "
                                                     f"seconds; execution {execution_id} goes on")
            await asyncio.wait(wanted, timeout=min(remaining, _POLL_EVERY), return_when=asyncio.FIRST_COMPLETED)
            if not any(future.done() for future in wanted):  # a lost event only delays the answer
                status = await asyncio.to_thread(self._status, execution_id)
                if status in FINISHED and not waiter.finished.done():
                    waiter.finished.set_result(status)
        if waiter.response.done():
            return waiter.response.result()
        status = waiter.finished.result()
        if status in _FAILED:
            return error_answer(500, "workflow_error", "Error in workflow", executionId=execution_id)
        if route.settings.response_mode == "responseNode":  # the run ended without reaching the node
            return response(route.settings.response_code)
        return await self._last_node_answer(route, execution_id)

    async def _last_node_answer(self, route: Route, execution_id: int) -> Answer:
        document = await asyncio.to_thread(self._document, execution_id) or {}
        run_data = document.get("runData") or {}
        last = document.get("lastNodeExecuted")
        if not last or not run_data.get(last):
            return response(route.settings.response_code, {}, {
                "message": "Workflow executed successfully but the last node did not return any data"})
        task = run_data[last][-1]
        if task.get("error"):
            return error_answer(500, "workflow_error", "Error in workflow", executionId=execution_id)
        main = (task.get("data") or {}).get("main") or [[]]
        try:
            return last_node_response(route.settings, main[0] or [])
        except WebhookResponseError as error:
            return error_answer(500, "no_response_data", str(error))

    def _status(self, execution_id: int) -> str:
        with self.db.session() as session:
            row = session.get(Execution, execution_id)
            return row.status if row is not None else "canceled"

    def _document(self, execution_id: int) -> dict[str, Any] | None:
        with self.db.session() as session:
            loaded = load_execution_data(session, execution_id)
        return loaded[1] if loaded is not None else None

    # ---- calls nothing answers ------------------------------------------------------------------
    async def _known_methods(self, path: str, test: bool) -> list[str]:
        return self.tests.methods(path) if test else (await self.index.table()).methods(path)

    async def _unknown(self, request: WebhookRequest, test: bool) -> Answer:
        methods = await self._known_methods(request.path, test)
        if methods:
            answer = error_answer(405, "method_not_allowed", f"This webhook is not registered for {request.method} "
                                                             f"requests; it answers {', '.join(methods)}")
            answer["headers"]["allow"] = ", ".join(methods)
            return answer
        if test:
            return error_answer(404, "not_found", f'The requested webhook "{request.method} {request.path}" is not '
                                                  "registered for a test call",
                                hint="Click 'Listen for test event' in the editor, then call the test URL again; "
                                     "the editor listens for one call")
        return error_answer(404, "not_found", f'The requested webhook "{request.method} {request.path}" is not '
                                              "registered", hint="A production URL answers only while its workflow is active")

    async def _preflight(self, request: WebhookRequest, test: bool) -> Answer:
        """CORS preflight (OPTIONS) for a path some route answers, as the route's Allowed Origins say."""
        if test:
            routes = [found[0] for method in self.tests.methods(request.path)
                      if (found := self.tests.peek(method, request.path))]
        else:
            table = await self.index.table()
            routes = [found[0] for method in table.methods(request.path)
                      if (found := table.match(method, request.path))]
        if not routes:
            return await self._unknown(request, test)
        allowed = ", ".join([*(route.method for route in routes), "OPTIONS"])
        headers = {"allow": allowed, "access-control-allow-methods": allowed, "access-control-max-age": "300"}
        origin = allowed_origin(routes[0].settings, request.headers.get("origin", ""))
        if origin is not None:
            headers["access-control-allow-origin"] = origin
            if request.headers.get("access-control-request-headers"):
                headers["access-control-allow-headers"] = request.headers["access-control-request-headers"]
        return response(204, headers)


def _check_secret(credential_type: str, data: dict[str, Any] | None, request: WebhookRequest) -> Answer | None:
    """Basic and header authentication, with n8n's statuses and messages."""
    if credential_type == "httpBasicAuth":
        if not data or not data.get("user") or not data.get("password"):
            return _text_answer(500, "No authentication data defined on node!")
        given = _basic_credentials(request.headers.get("authorization", ""))
        if given is None:
            return _text_answer(401, "Authorization is required!", {"www-authenticate": 'Basic realm="Webhook"'})
        if not (hmac.compare_digest(given[0].encode(), str(data["user"]).encode())
                and hmac.compare_digest(given[1].encode(), str(data["password"]).encode())):
            return _text_answer(403, "Authorization data is wrong!", {"www-authenticate": 'Basic realm="Webhook"'})
        return None
    if not data or not data.get("name") or not data.get("value"):
        return _text_answer(500, "No authentication data defined on node!")
    given_value = request.headers.get(str(data["name"]).lower())
    if given_value is None or not hmac.compare_digest(given_value.encode(), str(data["value"]).encode()):
        return _text_answer(403, "Authorization data is wrong!")
    return None


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        user, separator, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if separator else None


def _check_jwt(data: dict[str, Any] | None, request: WebhookRequest) -> tuple[Answer | None, dict[str, Any] | None]:
    """JWT authentication: a Bearer token verified with the credential's secret or public key."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import import_key

    if not data:
        return _text_answer(500, "No authentication data defined on node!"), None
    _, _, token = request.headers.get("authorization", "").partition(" ")
    if not token.strip():
        return _text_answer(401, "No token provided"), None
    algorithm = str(data.get("algorithm") or "HS256")
    try:
        if data.get("keyType") == "pemKey":
            key = import_key(str(data.get("publicKey") or ""), "RSA" if algorithm[:2] in ("RS", "PS") else "EC")
        else:
            key = import_key(str(data.get("secret") or ""), "oct")
        decoded = jwt.decode(token.strip(), key, algorithms=[algorithm])
        jwt.JWTClaimsRegistry(leeway=0).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        return _text_answer(403, str(error) or "invalid token"), None
    return None, dict(decoded.claims)


_SERVICES: dict[int, WebhookService] = {}
_SERVICES_LOCK = threading.Lock()


def webhook_service(runtime: Runtime) -> WebhookService:
    """The process's WebhookService for this runtime (made on first use)."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(id(runtime))
        if service is None:
            service = _SERVICES[id(runtime)] = WebhookService(runtime)
            weakref.finalize(runtime, _forget, id(runtime))
        return service


def _forget(key: int) -> None:
    with _SERVICES_LOCK:
        service = _SERVICES.pop(key, None)
    if service is not None:
        service.close()


def node_urls(runtime: Runtime, node: Mapping[str, Any]) -> dict[str, str]:
    """The test and production URLs of a Webhook node, for the editor (built from KNOTWORK_PUBLIC_URL).
    Raises RouteConflict when the node has no usable path."""
    settings = webhook_settings(node.get("parameters") or {}, float(node.get("typeVersion") or 1))
    path = registered_path(node, settings.path)
    return {"test": public_url(runtime.settings, f"/webhook-test/{path}"),
            "production": public_url(runtime.settings, f"/webhook/{path}")}


async def listen_for_test_call(runtime: Runtime, actor: Actor, workflow_id: str, document: Mapping[str, Any],
                               seconds: float = TEST_LISTEN_SECONDS) -> TestListener:
    """The editor's "Listen for test event": the next call of a test URL of `document` (the workflow as
    on the canvas) runs it in manual mode; `listener.called` gives that execution's id. Needs
    workflow:execute. Raises NotFound, AccessDenied, RouteConflict."""
    from .workflow_access import require_workflow_id  # it imports this module

    def project_of() -> str:
        with runtime.db.session() as session:
            return require_workflow_id(session, actor, workflow_id, "workflow:execute").project_id

    project_id = await asyncio.to_thread(project_of)
    return webhook_service(runtime).tests.listen(workflow_id, project_id, document, runtime.registry, seconds)


__all__ = ["RouteConflict", "TestListener", "UploadedFile", "WebhookRequest", "WebhookService", "listen_for_test_call",
           "node_urls", "register_routes", "unregister_routes", "webhook_service"]
