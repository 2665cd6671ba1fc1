"""Stored credentials: encrypted at rest, decrypted only for a node of a project that may use them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.errors import NodeOperationError
from models import Credential, Database, Project
from services.credentials import DatabaseCredentials, check_key, create_credential
from services.vault import VaultError

KEY = "test-key"


def project(database: Database, name: str) -> str:
    with database.session() as session:
        row = Project(name=name)
        session.add(row)
        session.flush()
        return row.id


async def test_a_credential_is_stored_encrypted_and_given_to_its_project(database: Database) -> None:
    team = project(database, "Team")
    stored = create_credential(database, KEY, project_id=team, name="API", type="httpHeaderAuth",
                               data={"name": "X-Key", "value": "s3cret"})
    with database.session() as session:
        ciphertext = session.exec(select(Credential.data)).one()
    assert "s3cret" not in ciphertext
    provider = DatabaseCredentials(database, KEY, team)
    assert await provider.get("HTTP", "httpHeaderAuth", {"id": stored.id}) == {"name": "X-Key", "value": "s3cret"}
    assert await provider.get("HTTP", "httpHeaderAuth", {"id": "gone", "name": "API"}) == {"name": "X-Key", "value": "s3cret"}


async def test_other_projects_and_other_types_get_nothing(database: Database) -> None:
    team, other = project(database, "Team"), project(database, "Other")
    stored = create_credential(database, KEY, project_id=team, name="API", type="httpHeaderAuth", data={"v": 1})
    with pytest.raises(NodeOperationError, match="may not use it"):
        await DatabaseCredentials(database, KEY, other).get("HTTP", "httpHeaderAuth", {"id": stored.id})
    with pytest.raises(NodeOperationError, match="of type 'httpBasicAuth'"):
        await DatabaseCredentials(database, KEY, team).get("HTTP", "httpBasicAuth", {"id": stored.id})


def test_a_changed_key_stops_with_a_clear_message(database: Database) -> None:
    check_key(database, "any key")  # nothing stored yet: any key will do
    create_credential(database, KEY, project_id=project(database, "Team"), name="A", type="t", data={"v": 1})
    check_key(database, KEY)
    with pytest.raises(VaultError, match="not the key they were saved with"):
        check_key(database, "another key")
