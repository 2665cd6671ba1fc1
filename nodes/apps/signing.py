"""`TemplateAuth`: a credential type's `authenticate` that sets several headers and query
parameters from templates, leaving out those whose fields are all empty (OpenAI's optional
`OpenAI-Organization`). For one header, bearer, basic or query value use engine.credential_types'
HeaderAuth, BearerAuth, BasicAuth, QueryAuth; for OAuth2 extend `oAuth2Api` as n8n does."""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine.credential_types import TokenCallback, render

_FIELD = re.compile(r"\{(\w+)\}")


def _filled(template: str, data: Mapping[str, Any]) -> bool:
    names = _FIELD.findall(template)
    return not names or any(data.get(name) not in (None, "") for name in names)


@dataclass(frozen=True)
class TemplateAuth:
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return _TemplateSigner(self, data)


class _TemplateSigner(httpx.Auth):
    def __init__(self, spec: TemplateAuth, data: Mapping[str, Any]) -> None:
        self._spec = spec
        self._data = data

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for name, template in self._spec.headers.items():
            if _filled(template, self._data):
                request.headers[name] = render(template, self._data)
        query = {name: render(template, self._data) for name, template in self._spec.query.items()
                 if _filled(template, self._data)}
        if query:
            request.url = request.url.copy_merge_params(query)
        yield request
