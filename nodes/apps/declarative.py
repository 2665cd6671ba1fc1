"""An app node as data: `App` → `Resource` → `Operation` (request template, items, pagination).

Everything the editor, the executor and the docs need is read from these declarations; see
nodes/apps/README.md for a worked example. Nothing here does I/O.

Parameter values reach an operation as `Args`: a dict of the operation's parameter values for one
item (expressions evaluated, resource locators unwrapped, defaults filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from engine.credential_types import CredentialType
from engine.node_api import Parameter

if TYPE_CHECKING:
    from .pagination import Pagination

Args = dict[str, Any]
# `{api_field: "parameterName"}` ("collection.field" reaches into a collection; the key "*" merges a
# whole collection), or a function of the arguments returning the fields. Empty values are left out.
Mapping_ = Mapping[str, str] | Callable[[Args], Mapping[str, Any]]
# Where the items are in the answer: a dotted path ("data.items"), a function of (body, args), or None
# for the whole body. A list becomes one item per element; anything else one item.
ItemsRule = str | Callable[[Any, Args], Any] | None
# The API's own error message for an answer, or None when the answer is not an error.
ErrorReader = Callable[[httpx.Response, Any], str | None]


@dataclass(frozen=True)
class Operation:
    """One API call. `path` holds `{parameterName}` placeholders (URL-quoted when filled in), or is a
    function of the arguments giving the path (quoting its own values). `lookups` are requests sent
    first, in order: each one's answer is stored in the arguments under its `name`, for the later
    ones and the main request's functions to read (a sheet's header row, a name's ID). The input
    item's JSON is in the arguments as `"$json"`."""

    name: str  # n8n's operation value: "post", "getAll"
    display_name: str
    method: str
    path: str | Callable[[Args], str]
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    query: Mapping_ = field(default_factory=dict)
    body: Mapping_ = field(default_factory=dict)
    body_format: str = "json"  # json | form
    items: ItemsRule = None
    pagination: Pagination | None = None  # set: the operation gets n8n's returnAll/limit parameters
    limit_default: int = 50
    headers: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""  # overrides the app's base URL (a credential template), for odd hosts
    lookups: tuple[Operation, ...] = ()


@dataclass(frozen=True)
class Resource:
    name: str  # n8n's resource value: "message"
    display_name: str
    operations: tuple[Operation, ...]
    description: str = ""
    # Offered only with these sign-in choices (`Auth.value`), e.g. Discord's webhook resource;
    # empty: with every one.
    auth: tuple[str, ...] = ()

    def operation(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)


@dataclass(frozen=True)
class Auth:
    """One way to sign in. With several, the node gets n8n's `authentication` options parameter."""

    credential: CredentialType
    value: str = ""  # the `authentication` option value ("accessToken", "oAuth2")
    display_name: str = ""


@dataclass(frozen=True)
class App:
    """A service: its node type (name, n8n aliases, versions), sign-in choices and resources.

    `base_url` is a template over the credential's data (`"{server}"`, `"https://{subdomain}.x.com"`)
    or a function of that data; `error` reads the API's own error message (default: 4xx/5xx with
    the `message`/`error`/`detail` of the JSON body)."""

    name: str  # "slack": the node type is "knotwork.slack"
    display_name: str
    description: str
    base_url: str | Callable[[Mapping[str, Any]], str]
    resources: tuple[Resource, ...]
    auth: tuple[Auth, ...] = ()
    aliases: tuple[str, ...] = ()  # "n8n-nodes-base.slack"
    versions: tuple[float, ...] = (1.0,)
    default_version: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every request
    error: ErrorReader | None = None
    # Where an error answer's body says how long to wait when there is no Retry-After header
    # (Telegram's "parameters.retry_after"), in seconds.
    retry_after_path: str = ""
    icon: str = "apps"  # a Material icon name
    categories: tuple[str, ...] = ()
    search_aliases: tuple[str, ...] = ()
    documentation_url: str = ""

    def resource(self, name: str) -> Resource | None:
        return next((res for res in self.resources if res.name == name), None)

    @property
    def credential_types(self) -> tuple[CredentialType, ...]:
        return tuple(auth.credential for auth in self.auth)


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path ("response_metadata.next_cursor"), or None when absent."""
    for part in path.split(".") if path else ():
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def is_empty(value: Any) -> bool:
    """Values a request mapping leaves out: None, "", [] and {} (never False or 0)."""
    return value is None or (isinstance(value, (str, list, dict, tuple)) and len(value) == 0)


def map_fields(rule: Mapping_, args: Args) -> dict[str, Any]:
    """The request fields a query/body rule gives for these arguments, empty values left out."""
    if callable(rule):
        produced = dict(rule(args))
    else:
        produced = {}
        for api_name, source in rule.items():
            value = lookup(args, source)
            if api_name == "*":
                produced.update(value if isinstance(value, Mapping) else {})
            else:
                produced[api_name] = value
    return {name: value for name, value in produced.items() if not is_empty(value)}
