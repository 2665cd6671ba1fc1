"""Stored credentials: saved encrypted, decrypted only for the node that uses them.

`DatabaseCredentials` is the engine's CredentialsProvider: a node's `credentials[type]`
reference ({"id", "name"}) is looked up by id (or, failing that, by name within the execution's
project and type), and only the decrypted data of that one credential is handed to the node.

The use cases below `create_credential` take the acting user and check access through
services.access; what they answer never holds a secret: data goes out masked (engine.credential_types
.mask), and only to those who may change the credential.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, delete, select

from engine.credential_types import (
    CredentialDataError,
    CredentialType,
    CredentialTypeRegistry,
    TestResult,
    UnknownCredentialType,
    is_secret,
    mask,
    merge_update,
    secret_values,
    test_credential,
    validate,
)
from engine.errors import KnotworkError, NodeOperationError
from models import Credential, Project, SharedCredential
from models.db import Database

from . import audit
from .access import (
    AccessDenied,
    Actor,
    NotFound,
    credential_scopes,
    personal_project_id,
    project_scopes,
    readable_credentials,
    require,
    require_credential,
    require_project,
)
from .vault import VaultError, decrypt, encrypt

NAME_MAX = 128


def create_credential(db: Database, key: str, *, project_id: str, name: str, type: str,
                      data: dict[str, Any]) -> Credential:
    """Store a credential encrypted, owned by `project_id`."""
    with db.session() as session:
        return _insert(session, key, project_id=project_id, name=name, type=type, data=data)


def _insert(session: Session, key: str, *, project_id: str, name: str, type: str,
            data: dict[str, Any]) -> Credential:
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
    """CredentialsProvider for one execution: only credentials its project may use.

    Every credential handed to a node is recorded in the audit log (once per node and credential)
    and its secret values are remembered in `secrets`, so the execution's data and error messages
    can be scrubbed before they are saved.
    """

    def __init__(self, db: Database, key: str, project_id: str, *, workflow_id: str | None = None,
                 execution_id: int | None = None) -> None:
        self._db = db
        self._key = key
        self._project_id = project_id
        self._workflow_id = workflow_id
        self._execution_id = execution_id
        self._audited: set[tuple[str, str]] = set()
        self.secrets: set[str] = set()

    async def get(self, node_name: str, credential_type: str, reference: Mapping[str, Any]) -> dict[str, Any]:
        # IMMEDIATE: the lookup is followed by the audit row; on SQLite a read upgraded to a write fails
        # at once when another worker wrote in between.
        with self._db.session(immediate=True) as session:
            usable = select(Credential).join(SharedCredential, SharedCredential.credential_id == Credential.id).where(
                SharedCredential.project_id == self._project_id, Credential.type == credential_type)
            credential = None
            if reference.get("id"):
                credential = session.exec(usable.where(Credential.id == str(reference["id"]))).first()
            if credential is None and reference.get("name"):
                credential = session.exec(usable.where(Credential.name == str(reference["name"]))).first()
            if credential is not None and (node_name, credential.id) not in self._audited:
                self._audited.add((node_name, credential.id))
                audit.record(session, "credential.usedByNode", target=f"credential:{credential.id}", node=node_name,
                             workflowId=self._workflow_id, executionId=self._execution_id)
        if credential is None:
            described = reference.get("name") or reference.get("id") or "(none chosen)"
            raise NodeOperationError(
                f"Credential '{described}' of type '{credential_type}' does not exist or this workflow's "
                "project may not use it",
                node=node_name,
            )
        data = decrypt(credential.data, self._key)
        self.secrets.update(_secrets_of(credential.type, data))
        return data


def _secrets_of(type_name: str, data: Mapping[str, Any]) -> list[str]:
    """The secret values of a credential; for a type Knotwork does not declare, every string in it."""
    try:
        return secret_values(default_credential_types().get(type_name), data)
    except UnknownCredentialType:
        return list(_strings(data))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- use cases of a user (the public API, the UI) ----------------------------------------------

class CredentialError(KnotworkError):
    """A credential cannot be created or changed as asked; the message names the field."""

    status = 400
    code = "invalid_credential"


@dataclass(frozen=True)
class CredentialView:
    """A credential with its owning project and the projects it is shared with. `data` is masked
    and present only for an actor who may change the credential."""

    credential: Credential
    home_project: Project
    shared_with: list[Project] = field(default_factory=list)
    data: dict[str, Any] | None = None


@functools.cache
def default_credential_types() -> CredentialTypeRegistry:
    """The credential types installed through the `knotwork.credentials` entry points."""
    return CredentialTypeRegistry.from_entry_points()


def list_credentials(db: Database, actor: Actor, *, project_id: str | None = None, type: str | None = None,
                     after: str | None = None, limit: int = 100) -> list[CredentialView]:
    """The credentials the actor may read, by id, without data; `project_id` keeps those owned by or
    shared with that project (NotFound when the actor may not read in it)."""
    _require_key_scope(actor, "credential:read")
    with db.session() as session:
        query = select(Credential)
        if project_id is not None:
            require_project(session, actor, project_id, "credential:read")
            query = query.where(col(Credential.id).in_(
                select(SharedCredential.credential_id).where(SharedCredential.project_id == project_id)))
        readable = readable_credentials(actor)
        if readable is not None:
            query = query.where(col(Credential.id).in_(readable))
        if type is not None:
            query = query.where(Credential.type == type)
        if after is not None:
            query = query.where(col(Credential.id) > after)
        credentials = list(session.exec(query.order_by(col(Credential.id)).limit(limit)))
        return _views(session, credentials)


def add_credential(db: Database, actor: Actor, *, key: str, name: str, type: str, data: Mapping[str, Any],
                   project_id: str | None = None, types: CredentialTypeRegistry | None = None) -> CredentialView:
    """A new credential, checked against its type and stored encrypted, owned by `project_id` (by
    default the actor's personal project). Raises CredentialError, CredentialDataError, NotFound,
    AccessDenied."""
    name = _checked_name(name)
    credential_type = _type_for_data(types, type)
    checked = validate(credential_type, data)
    with db.session() as session:
        project_id = project_id or personal_project_id(session, actor.user_id)
        require_project(session, actor, project_id, "credential:create")
        credential = _insert(session, key, project_id=project_id, name=name, type=credential_type.name,
                             data=checked)
        audit.record(session, "credential.created", actor=actor, target=f"credential:{credential.id}",
                     name=name, type=credential.type, projectId=project_id)
        return _views(session, [credential])[0]


def get_credential(db: Database, actor: Actor, credential_id: str, *, key: str,
                   types: CredentialTypeRegistry | None = None) -> CredentialView:
    """One credential; with its data masked when the actor may change it (credential:update), with
    no data at all otherwise (a project the credential is only shared with, a viewer)."""
    with db.session() as session:
        credential = require_credential(session, actor, credential_id)
        view = _views(session, [credential])[0]
        if "credential:update" not in credential_scopes(session, actor, credential_id):
            return view
    credential_type = (types or default_credential_types()).resolve(credential.type)
    shown = mask(credential_type, decrypt(credential.data, key)) if credential_type else {}
    return CredentialView(view.credential, view.home_project, view.shared_with, shown)


def update_credential(db: Database, actor: Actor, credential_id: str, *, key: str, name: str | None = None,
                      data: Mapping[str, Any] | None = None,
                      types: CredentialTypeRegistry | None = None) -> CredentialView:
    """Rename a credential and/or change fields of its data: fields left out keep their value, and
    a masked value (what get_credential answered) keeps the stored secret. Needs credential:update."""
    new_name = _checked_name(name) if name is not None else None
    with db.session(immediate=True) as session:
        credential = require_credential(session, actor, credential_id, "credential:update")
        changed: list[str] = []
        if new_name is not None and new_name != credential.name:
            credential.name = new_name
            changed.append("name")
        if data is not None:
            credential_type = _type_for_data(types, credential.type)
            stored = decrypt(credential.data, key)
            credential.data = encrypt(validate(credential_type, merge_update(credential_type, stored, data)), key)
            changed.append("data")
        session.add(credential)
        session.flush()
        if changed:
            audit.record(session, "credential.updated", actor=actor, target=f"credential:{credential.id}",
                         name=credential.name, changed=changed, fields=sorted(data or {}))
        return _views(session, [credential])[0]


def delete_credential(db: Database, actor: Actor, credential_id: str) -> CredentialView:
    """Delete a credential (with its shares); answers what it was. Needs credential:delete."""
    with db.session() as session:
        credential = require_credential(session, actor, credential_id, "credential:delete")
        view = _views(session, [credential])[0]
        session.delete(credential)
        audit.record(session, "credential.deleted", actor=actor, target=f"credential:{credential_id}",
                     name=credential.name, type=credential.type)
        return view


def share_credential(db: Database, actor: Actor, credential_id: str, project_ids: list[str]) -> CredentialView:
    """Make `project_ids` the projects the credential is shared with (credential:user shares: their
    workflows may use it); the owning project keeps it. A project must be a personal one or one the
    actor reads in, else NotFound. Needs credential:share."""
    wanted = list(dict.fromkeys(project_ids))
    with db.session(immediate=True) as session:
        credential = require_credential(session, actor, credential_id, "credential:share")
        wanted = [project_id for project_id in wanted if project_id != credential.project_id]
        for project_id in wanted:
            _require_share_target(session, actor, project_id)
        current = set(session.exec(select(SharedCredential.project_id).where(
            SharedCredential.credential_id == credential_id, SharedCredential.role == "user")))
        removed, added = sorted(current - set(wanted)), [p for p in wanted if p not in current]
        if removed:
            session.exec(delete(SharedCredential).where(
                col(SharedCredential.credential_id) == credential_id, col(SharedCredential.project_id).in_(removed)))
        for project_id in added:
            session.add(SharedCredential(credential_id=credential_id, project_id=project_id, role="user"))
        session.flush()
        if added or removed:
            audit.record(session, "credential.shared", actor=actor, target=f"credential:{credential_id}",
                         name=credential.name, added=added, removed=removed)
        return _views(session, [credential])[0]


def transfer_credential(db: Database, actor: Actor, credential_id: str, destination_project_id: str) -> CredentialView:
    """Move a credential to another project, which becomes its owner; the old owner loses it,
    other shares stay. Needs credential:move on it and credential:create in the destination."""
    with db.session(immediate=True) as session:
        credential = require_credential(session, actor, credential_id, "credential:move")
        require_project(session, actor, destination_project_id, "credential:create")
        source = credential.project_id
        if destination_project_id == source:
            raise CredentialError("destinationProjectId: the credential already belongs to this project")
        move_credential(session, credential, destination_project_id)
        audit.record(session, "credential.transferred", actor=actor, target=f"credential:{credential_id}",
                     name=credential.name, fromProjectId=source, toProjectId=destination_project_id)
        return _views(session, [credential])[0]


def move_credential(session: Session, credential: Credential, destination_project_id: str) -> None:
    """Make another project the owner (no access check: callers have made it)."""
    session.exec(delete(SharedCredential).where(
        col(SharedCredential.credential_id) == credential.id,
        col(SharedCredential.project_id).in_([credential.project_id, destination_project_id])))
    credential.project_id = destination_project_id
    session.add(credential)
    session.add(SharedCredential(credential_id=credential.id, project_id=destination_project_id, role="owner"))
    session.flush()


async def test_saved_credential(db: Database, actor: Actor, credential_id: str, *, key: str,
                                types: CredentialTypeRegistry | None = None, timeout: float = 10.0) -> TestResult:
    """Run the type's test with the stored data (credential:use). Never raises for a failed test;
    the message holds no secret."""
    with db.session() as session:
        credential = require_credential(session, actor, credential_id, "credential:use")
    credential_type = (types or default_credential_types()).resolve(credential.type)
    if credential_type is None:
        return TestResult(False, f"Unknown credential type '{credential.type}'")
    return await test_credential(credential_type, decrypt(credential.data, key), timeout=timeout)


def credential_schema(actor: Actor, type_name: str, types: CredentialTypeRegistry | None = None) -> dict[str, Any]:
    """The JSON Schema of a credential type's data, as n8n's /credentials/schema answers it.
    Raises UnknownCredentialType (a LookupError: 404)."""
    require(actor, "credentialType:read")
    return json_schema((types or default_credential_types()).get(type_name))


_JSON_TYPES = {"number": "number", "boolean": "boolean", "collection": "object", "fixedCollection": "object",
               "multiOptions": "array"}


def json_schema(credential_type: CredentialType) -> dict[str, Any]:
    """Fields the connect flow fills (hidden) and notices are left out; a required field that only
    shows under a condition becomes an if/then rule."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditional: list[dict[str, Any]] = []
    for parameter in credential_type.fields:
        if parameter.type in ("hidden", "notice"):
            continue
        schema: dict[str, Any] = {"type": _JSON_TYPES.get(parameter.type, "string")}
        if parameter.options and parameter.type == "options":
            schema["enum"] = [option.value for option in parameter.options]
        if parameter.description:
            schema["description"] = parameter.description
        if parameter.default not in (None, "") and not is_secret(parameter):
            schema["default"] = parameter.default
        properties[parameter.name] = schema
        if not parameter.required or parameter.hide:
            continue
        if not parameter.show:
            required.append(parameter.name)
            continue
        condition = {"properties": {name: {"enum": list(values)} for name, values in parameter.show.items()
                                    if not name.startswith("@")}}
        conditional.append({"if": condition, "then": {"required": [parameter.name]}})
    document: dict[str, Any] = {"additionalProperties": False, "type": "object", "properties": properties,
                                "required": required}
    if conditional:
        document["allOf"] = conditional
    return document


def _type_for_data(types: CredentialTypeRegistry | None, name: str) -> CredentialType:
    try:
        return (types or default_credential_types()).get(name)
    except UnknownCredentialType as error:
        raise CredentialDataError(f"type: {error}") from None


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise CredentialError("name: a credential needs a name")
    if "\x00" in name:
        raise CredentialError("name: a credential name must not contain NUL characters")
    if len(name) > NAME_MAX:
        raise CredentialError(f"name: a credential name can have at most {NAME_MAX} characters")
    return name


def _require_key_scope(actor: Actor, scope: str) -> None:
    if not actor.key_allows(scope):
        raise AccessDenied(f"This API key does not allow '{scope}'")


def _require_share_target(session: Session, actor: Actor, project_id: str) -> None:
    project = session.get(Project, project_id)
    if project is None or (project.type != "personal" and "project:read" not in project_scopes(session, actor,
                                                                                                  project_id)):
        raise NotFound(f"Project '{project_id}' not found")


def _views(session: Session, credentials: list[Credential]) -> list[CredentialView]:
    """Credentials with their projects, in one query whatever their number."""
    if not credentials:
        return []
    rows = session.exec(select(SharedCredential, Project).join(Project, col(Project.id) == SharedCredential.project_id)
                        .where(col(SharedCredential.credential_id).in_([c.id for c in credentials]))
                        .order_by(col(Project.name))).all()
    homes: dict[str, Project] = {}
    shared: dict[str, list[Project]] = {}
    for share, project in rows:
        if share.role == "owner":
            homes[share.credential_id] = project
        else:
            shared.setdefault(share.credential_id, []).append(project)
    views = []
    for credential in credentials:
        home = homes.get(credential.id) or session.get_one(Project, credential.project_id)
        views.append(CredentialView(credential, home, shared.get(credential.id, [])))
    return views
