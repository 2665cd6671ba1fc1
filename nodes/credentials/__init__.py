"""Built-in credential types, registered through the `knotwork.credentials` entry point like any
third-party package's."""

from __future__ import annotations

from engine.credential_types import CredentialType

from .digest import HTTP_DIGEST_AUTH
from .generic import GENERIC_TYPES
from .oauth1 import OAUTH1_API
from .services import SERVICE_TYPES

CREDENTIAL_TYPES: list[CredentialType] = [*GENERIC_TYPES, HTTP_DIGEST_AUTH, OAUTH1_API, *SERVICE_TYPES]
