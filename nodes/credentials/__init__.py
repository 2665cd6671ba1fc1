"""Built-in credential types, registered through the `knotwork.credentials` entry point like any
third-party package's."""

from __future__ import annotations

from engine.credential_types import CredentialType

from .generic import GENERIC_TYPES
from .services import SERVICE_TYPES

CREDENTIAL_TYPES: list[CredentialType] = [*GENERIC_TYPES, *SERVICE_TYPES]
