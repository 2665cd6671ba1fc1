"""n8n's httpDigestAuth credential: HTTP Digest (RFC 7616) through httpx.DigestAuth, which answers
the server's 401 challenge and sends the request again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from engine.credential_types import CredentialType, TokenCallback
from engine.node_api import Parameter


class DigestAuthenticate:
    """The httpDigestAuth type's `authenticate`."""

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return httpx.DigestAuth(str(data.get("user") or ""), str(data.get("password") or ""))


HTTP_DIGEST_AUTH = CredentialType(
    name="httpDigestAuth",
    display_name="Digest Auth",
    fields=(
        Parameter("user", "User", "string", default=""),
        Parameter("password", "Password", "string", default="", type_options={"password": True}),
    ),
    authenticate=DigestAuthenticate(),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
)
