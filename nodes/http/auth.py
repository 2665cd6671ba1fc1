"""Signing requests with the node's credential: the credential type's own `authenticate`
(engine.credential_types.http_auth), whatever the type — generic or predefined."""

from __future__ import annotations

import functools

import httpx

from engine.credential_types import (
    CredentialDataError,
    CredentialTypeRegistry,
    UnknownCredentialType,
    http_auth,
)
from engine.errors import NodeOperationError
from engine.node_api import ExecuteContext

from .params_legacy import V1_CREDENTIAL_TYPES


@functools.cache
def credential_types() -> CredentialTypeRegistry:
    """The installed credential types (loaded once per process)."""
    return CredentialTypeRegistry.from_entry_points()


def credential_type_name(ctx: ExecuteContext, item_index: int) -> str:
    """The credential type the node signs with ('' for none), per its version's parameters."""
    authentication = str(ctx.param("authentication", item_index, "none") or "none")
    if authentication == "genericCredentialType":
        return str(ctx.param("genericAuthType", item_index, "") or "")
    if authentication == "predefinedCredentialType":
        name = str(ctx.param("nodeCredentialType", item_index, "") or "")
        if not name:
            raise NodeOperationError("Choose a credential type (Credential Type is empty)",
                                     parameter="nodeCredentialType", item_index=item_index)
        return name
    if ctx.type_version < 2:
        return V1_CREDENTIAL_TYPES.get(authentication, "")
    return ""


async def request_auth(ctx: ExecuteContext, type_name: str, item_index: int) -> httpx.Auth | None:
    """The httpx.Auth for the node's credential of `type_name` (None when there is none to use).
    Raises NodeOperationError when the type is unknown, declares no signing, or the data is bad.
    Tokens an OAuth2 credential obtains during the run are used, not saved."""
    if not type_name:
        return None
    try:
        credential_type = credential_types().get(type_name)
    except UnknownCredentialType as error:
        raise NodeOperationError(str(error), parameter="nodeCredentialType", item_index=item_index) from None
    if credential_type.authenticate is None:
        raise NodeOperationError(f"Credential type '{type_name}' cannot sign HTTP requests",
                                 item_index=item_index)
    data = await ctx.get_credentials(type_name)
    try:
        return http_auth(credential_type, data)
    except CredentialDataError as error:
        raise NodeOperationError(f"The '{type_name}' credential is not usable: {error}",
                                 item_index=item_index) from None
