"""Stored credentials: saved encrypted, decrypted only for the node that uses them.

`DatabaseCredentials` is the engine's CredentialsProvider: a node's `credentials[type]`
reference ({"id", "name"}) is looked up by id (or, failing that, by name within the execution's
project and type), and only the decrypted data of that one credential is handed to the node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import select

from engine.errors import NodeOperationError
from models import Credential, SharedCredential
from models.db import Database

from .vault import VaultError, decrypt, encrypt


def create_credential(db: Database, key: str, *, project_id: str, name: str, type: str,
                      data: dict[str, Any]) -> Credential:
    """Store a credential encrypted, owned by `project_id`."""
    with db.session() as session:
        credential = Credential(project_id=project_id, name=name, type=type, data=encrypt(data, key))
        session.add(credential)
        session.flush()
        session.add(SharedCredential(credential_id=credential.id, project_id=project_id, role="owner"))
    return credential


def check_key(db: Database, key: str) -> None:
    """Stop with a clear message when the key cannot decrypt the stored credentials (a changed
    or lost KNOTWORK_ENCRYPTION_KEY); call at start. Raises VaultError."""
    with db.session() as session:
        stored = session.exec(select(Credential.data).limit(1)).first()
    if stored is not None:
        try:
            decrypt(stored, key)
        except VaultError:
            raise VaultError(
                "The encryption key cannot decrypt the stored credentials: KNOTWORK_ENCRYPTION_KEY (or "
                "the key file in the data folder) is not the key they were saved with"
            ) from None


class DatabaseCredentials:
    """CredentialsProvider for one execution: only credentials its project may use."""

    def __init__(self, db: Database, key: str, project_id: str) -> None:
        self._db = db
        self._key = key
        self._project_id = project_id

    async def get(self, node_name: str, credential_type: str, reference: Mapping[str, Any]) -> dict[str, Any]:
        with self._db.session() as session:
            usable = select(Credential).join(SharedCredential, SharedCredential.credential_id == Credential.id).where(
                SharedCredential.project_id == self._project_id, Credential.type == credential_type)
            credential = None
            if reference.get("id"):
                credential = session.exec(usable.where(Credential.id == str(reference["id"]))).first()
            if credential is None and reference.get("name"):
                credential = session.exec(usable.where(Credential.name == str(reference["name"]))).first()
        if credential is None:
            described = reference.get("name") or reference.get("id") or "(none chosen)"
            raise NodeOperationError(
                f"Credential '{described}' of type '{credential_type}' does not exist or this workflow's "
                "project may not use it",
                node=node_name,
            )
        return decrypt(credential.data, self._key)
