"""Shapes of credential types many apps share, so each app states only what is its own."""

from __future__ import annotations

from collections.abc import Mapping

from engine.credential_types import BearerAuth, CredentialTest, CredentialType
from engine.node_api import Parameter


def secret(name: str, label: str, description: str = "", required: bool = True) -> Parameter:
    """A credential field whose value is a secret (masked in forms, never sent back to a browser)."""
    return Parameter(name, label, "string", default="", required=required, description=description,
                     type_options={"password": True})


def bearer_token(name: str, display_name: str, field: str, label: str, test_url: str, docs: str,
                 test_headers: Mapping[str, str] | None = None) -> CredentialType:
    """The most common API credential: one secret sent as `Authorization: Bearer <secret>`, checked
    with a GET of `test_url`; `docs` names the page under n8n's credential documentation."""
    return CredentialType(
        name=name,
        display_name=display_name,
        fields=(secret(field, label),),
        authenticate=BearerAuth(token="{" + field + "}"),
        test=CredentialTest(url=test_url, headers=dict(test_headers or {})),
        documentation_url=f"https://docs.n8n.io/integrations/builtin/credentials/{docs}/",
    )
