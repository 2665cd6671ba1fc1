"""Running an App: per input item, read the chosen operation's parameters, build the request, send
it through the HTTP Request node's client (nodes.http.send: network errors, one client per run)
signed by the credential type's own `authenticate`, follow pagination and turn the answer into
items paired with the item that asked.

    NodeOperationError   unknown resource/operation, a required parameter empty, unusable credential
    NodeApiError         the API said no: its own message, `http_code`, `retry_after` (Retry-After)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from engine.credential_types import (
    CredentialDataError,
    UnknownCredentialType,
    http_auth,
    render,
    validate,
)
from engine.errors import NodeApiError, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeType
from nodes.http.auth import credential_types
from nodes.http.send import STATUS_MESSAGES, Clients, retry_after, send, server_message
from nodes.http.spec import Body, RequestSpec

from .declarative import App, Args, Auth, Operation, is_empty, lookup, map_fields
from .form import LIMIT, RETURN_ALL, describe, operation_parameters
from .pagination import Page, first_page_query

MAX_PAGES = 10_000  # a guard against an API that always says "there is more"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def app_node(app: App) -> type[NodeType]:
    """The node type class of an app (registered like any node type)."""
    class_name = "".join(part[:1].upper() + part[1:] for part in re.split(r"\W|_", app.name)) + "Node"
    return type(class_name, (AppNode,), {"app": app, "description": describe(app)})


class AppNode(NodeType):
    """Base of every generated app node. `transport` lets tests intercept requests."""

    app: ClassVar[App]
    transport: httpx.AsyncBaseTransport | None = None

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        produced: list[Item] = []
        signers: dict[str, tuple[httpx.Auth | None, dict[str, Any]]] = {}
        async with Clients(transport=self.transport) as clients:
            for index in range(len(ctx.input_items)):
                try:
                    produced.extend(await self._run_item(ctx, clients, signers, index))
                except NodeError as error:
                    error.node = error.node or ctx.node.name
                    error.item_index = index if error.item_index is None else error.item_index
                    if not ctx.continue_on_fail:
                        raise
                    produced.append(Item({"error": error.message}, paired=(index, 0)))
        return [produced]

    async def _run_item(self, ctx: ExecuteContext, clients: Clients,
                        signers: dict[str, tuple[httpx.Auth | None, dict[str, Any]]], index: int) -> list[Item]:
        operation = self._operation(ctx, index)
        args = read_args(ctx, operation, index)
        auth = self._auth(ctx, index)
        key = auth.credential.name if auth else ""
        if key not in signers:
            signers[key] = await _signer(ctx, auth, index)
        signer, data = signers[key]
        args["$json"] = ctx.input_items[index].json
        for before in operation.lookups:
            response = await send(clients, build_spec(self.app, before, args, data, index), signer, index)
            args[before.name] = _body(response)
            self._check(response, args[before.name], index)
        spec = build_spec(self.app, operation, args, data, index)
        found = await self._fetch(clients, operation, args, spec, signer, index)
        return [Item(_as_json(value), paired=(index, 0)) for value in found]

    def _operation(self, ctx: ExecuteContext, index: int) -> Operation:
        resource_name = ctx.param("resource", index)
        resource = self.app.resource(resource_name)
        if resource is None:
            raise NodeOperationError(f"{self.app.display_name} has no resource '{resource_name}'",
                                     parameter="resource", item_index=index)
        operation_name = ctx.param("operation", index)
        operation = resource.operation(operation_name)
        if operation is None:
            raise NodeOperationError(f"{self.app.display_name} has no operation '{operation_name}' for "
                                     f"resource '{resource.display_name}'", parameter="operation", item_index=index)
        return operation

    def _auth(self, ctx: ExecuteContext, index: int) -> Auth | None:
        if len(self.app.auth) <= 1:
            return self.app.auth[0] if self.app.auth else None
        chosen = ctx.param("authentication", index, self.app.auth[0].value)
        return next((auth for auth in self.app.auth if auth.value == chosen), self.app.auth[0])

    async def _fetch(self, clients: Clients, operation: Operation, args: Args, spec: RequestSpec,
                     signer: httpx.Auth | None, index: int) -> list[Any]:
        """The items of every page the operation's returnAll/limit asks for."""
        rule = operation.pagination
        return_all = bool(args.get(RETURN_ALL, False))
        limit = _limit(args.get(LIMIT, operation.limit_default), index)
        size_query, page_size = first_page_query(rule, return_all, limit)
        spec.query.update(size_query)
        collected: list[Any] = []
        for _ in range(MAX_PAGES):
            response = await send(clients, spec, signer, index)
            body = _body(response)
            self._check(response, body, index)
            found = items_of(operation, body, args)
            collected.extend(found)
            if rule is None or (not return_all and len(collected) >= limit):
                break
            next_spec = rule.next(Page(response, body, found), spec, page_size)
            if next_spec is None:
                break
            spec = next_spec
        return collected if return_all or rule is None else collected[:limit]

    def _check(self, response: httpx.Response, body: Any, index: int) -> None:
        """Raise NodeApiError when the app's error reader (or the status) says the call failed."""
        reader = self.app.error or default_error
        message = reader(response, body)
        status = response.status_code
        if message is None and status < 400:
            return
        if status < 400:  # an error inside a success answer (Slack's `ok: false`)
            raise NodeApiError(f"{self.app.display_name} error: {message}", description=message, item_index=index)
        generic = STATUS_MESSAGES.get(status) or (
            "Your request is invalid or could not be processed by the service" if status < 500
            else "The service failed to process your request")
        text = f"{generic} ({status}): {message}" if message else f"{generic} ({status})"
        raise NodeApiError(text, http_code=status, description=message or generic, item_index=index,
                           retry_after=self._retry_after(response, body))

    def _retry_after(self, response: httpx.Response, body: Any) -> float | None:
        """The Retry-After header, else the number at the app's `retry_after_path` in the body."""
        waited = retry_after(response.headers.get("retry-after"))
        if waited is None and self.app.retry_after_path:
            found = lookup(body, self.app.retry_after_path)
            if isinstance(found, (int, float)) and not isinstance(found, bool) and found >= 0:
                waited = float(found)
        return waited


def default_error(response: httpx.Response, body: Any) -> str | None:
    """A 4xx/5xx answer's own words (JSON `message`, `error`, `error.message`, `detail`, or text)."""
    return server_message(response) if response.status_code >= 400 else None


def read_args(ctx: ExecuteContext, operation: Operation, index: int) -> Args:
    """The operation's parameter values for one item; defaults from the operation's own
    declaration (a name may mean different parameters in different operations)."""
    stored = ctx.node.parameters
    args: Args = {}
    for parameter in operation_parameters(operation):
        value = ctx.param(parameter.name, index) if parameter.name in stored else parameter.default
        if isinstance(value, Mapping) and value.get("__rl"):  # n8n's resource locator
            value = value.get("value")
        args[parameter.name] = value
    for parameter in operation_parameters(operation):  # only what the form shows is required
        if parameter.required and is_empty(args[parameter.name]) and parameter.visible(args, ctx.type_version):
            raise NodeOperationError(f"Parameter '{parameter.display_name}' is required",
                                     parameter=parameter.name, item_index=index)
    return args


def build_spec(app: App, operation: Operation, args: Args, credential: Mapping[str, Any], index: int) -> RequestSpec:
    """The first request of an operation (pagination edits it for the next pages)."""
    base = operation.base_url or app.base_url
    try:
        root = base(credential) if callable(base) else render(base, credential)
    except CredentialDataError as error:
        raise NodeOperationError(f"The credential is not usable: {error}", item_index=index) from None
    path = operation.path(args) if callable(operation.path) else _fill_path(operation.path, args, index)
    url = root.rstrip("/") + path
    headers = [*app.headers.items(), *operation.headers.items()]
    body_fields = map_fields(operation.body, args)
    body = Body(operation.body_format, body_fields) if body_fields else None
    return RequestSpec(operation.method, url, query=map_fields(operation.query, args), headers=headers, body=body)


def _fill_path(path: str, args: Args, index: int) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if is_empty(args.get(name)):
            raise NodeOperationError(f"Parameter '{name}' is empty but the request path needs it",
                                     parameter=name, item_index=index)
        return quote(_text(args[name]), safe="")

    return _PLACEHOLDER.sub(value, path)


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def items_of(operation: Operation, body: Any, args: Args) -> list[Any]:
    rule = operation.items
    found = rule(body, args) if callable(rule) else lookup(body, rule) if rule else body
    if found is None:
        return [] if rule else [{"success": True}]  # no body (204): n8n answers {success: true}
    return list(found) if isinstance(found, list) else [found]


def _as_json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"data": value}


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


def _limit(value: Any, index: int) -> int:
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise NodeOperationError(f"Limit must be a number, not {value!r}", parameter=LIMIT, item_index=index) from None
    if limit < 1:
        raise NodeOperationError(f"Limit must be at least 1, not {limit}", parameter=LIMIT, item_index=index)
    return limit


async def _signer(ctx: ExecuteContext, auth: Auth | None, index: int) -> tuple[httpx.Auth | None, dict[str, Any]]:
    """The request signer and the credential's data (base URLs read it), once per run."""
    if auth is None:
        return None, {}
    try:
        credential_type = credential_types().get(auth.credential.name)  # with what it extends merged in
    except UnknownCredentialType as error:
        if auth.credential.extends:
            raise NodeOperationError(str(error), item_index=index) from None
        credential_type = auth.credential  # an app not registered yet (its tests)
    stored = await ctx.get_credentials(credential_type.name)
    try:
        data = validate(credential_type, stored, strict=False)  # defaults filled in (base URLs)
        return http_auth(credential_type, data), data
    except CredentialDataError as error:
        raise NodeOperationError(f"The '{credential_type.name}' credential is not usable: {error}",
                                 item_index=index) from None
