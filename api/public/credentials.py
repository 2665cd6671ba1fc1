"""/credentials: n8n's credential endpoints, plus a list, a read with masked data, share and test.

No answer ever holds a secret: data is masked, and shown only to who may change the credential.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field, PlainSerializer

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, page
from engine.run_data import iso_ms
from models import Project
from services import credentials
from services.credentials import CredentialView

router = APIRouter(prefix="/credentials", tags=["Credential"])

# Every id Knotwork hands out fits this: checked here, odd input never reaches the database.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,36}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
CredentialId = Annotated[str, Path(pattern=ID_PATTERN, description="The credential's id")]
TYPE_PATTERN = r"^[A-Za-z0-9_.-]{1,128}$"
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=1000, description="The nextCursor of the previous page")]
# Times as n8n writes them: UTC with milliseconds, "2024-05-01T12:00:00.000Z".
Timestamp = Annotated[datetime, PlainSerializer(iso_ms, return_type=str)]


def id_cursor(cursor: str | None) -> str | None:
    """The id to continue after, from a cursor this API made (400 for any other)."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        raise HTTPException(400, "The cursor is not one this API returned")
    return after


class ProjectRef(BaseModel):
    id: str
    name: str
    type: Literal["personal", "team"]


class CredentialJson(BaseModel):
    id: str
    name: str
    type: str
    isManaged: bool = False
    createdAt: Timestamp
    updatedAt: Timestamp
    homeProject: ProjectRef
    sharedWithProjects: list[ProjectRef]


class CredentialWithData(CredentialJson):
    data: dict[str, Any] | None = Field(
        description="The data with every secret field replaced by a placeholder; null when you may not "
                    "change this credential (a project it is only shared with, a viewer)")


class CredentialPage(BaseModel):
    data: list[CredentialJson]
    nextCursor: str | None


class CreateCredentialBody(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=128, description="A credential type name, e.g. httpBasicAuth")
    data: dict[str, Any] = Field(description="The fields of the type (GET /credentials/schema/{type})")
    projectId: Id | None = Field(default=None, description="The owning project; default: your personal project")


class UpdateCredentialBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=128)
    data: dict[str, Any] | None = Field(
        default=None, description="Fields to change; others keep their value, and a masked placeholder keeps "
                                  "the stored secret")


class TransferBody(BaseModel):
    destinationProjectId: Id


class ShareBody(BaseModel):
    projectIds: list[Id] = Field(max_length=100, description="Every project to share with (replaces the shares)")


class TestAnswer(BaseModel):
    status: Literal["OK", "Error"]
    message: str


def project_ref(project: Project) -> ProjectRef:
    return ProjectRef(id=project.id, name=project.name, type=project.type)  # type: ignore[arg-type]


def credential_json(view: CredentialView) -> CredentialJson:
    credential = view.credential
    return CredentialJson(id=credential.id, name=credential.name, type=credential.type,
                          createdAt=credential.created_at, updatedAt=credential.updated_at,
                          homeProject=project_ref(view.home_project),
                          sharedWithProjects=[project_ref(p) for p in view.shared_with])


@router.get("", response_model=CredentialPage)
def list_credentials(actor: ApiActor, runtime: RuntimeDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
                     projectId: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
                     type: Annotated[str | None, Query(pattern=TYPE_PATTERN)] = None) -> CredentialPage:
    """The credentials you may read (never their data)."""
    views = credentials.list_credentials(runtime.db, actor, project_id=projectId, type=type,
                                         after=id_cursor(cursor), limit=limit + 1)
    rows, next_cursor = page(views, limit, lambda view: view.credential.id)
    return CredentialPage(data=[credential_json(view) for view in rows], nextCursor=next_cursor)


@router.post("", response_model=CredentialJson)
def create_credential(body: CreateCredentialBody, actor: ApiActor, runtime: RuntimeDep) -> CredentialJson:
    """Create a credential, checked against its type and stored encrypted."""
    return credential_json(credentials.add_credential(
        runtime.db, actor, key=runtime.executions.encryption_key, name=body.name, type=body.type, data=body.data,
        project_id=body.projectId))


@router.get("/schema/{credentialTypeName}", response_model=dict[str, Any])
def credential_schema(credentialTypeName: Annotated[str, Path(pattern=TYPE_PATTERN)],
                      actor: ApiActor) -> dict[str, Any]:
    """The JSON Schema of a credential type's data."""
    return credentials.credential_schema(actor, credentialTypeName)


@router.get("/{id}", response_model=CredentialWithData)
def get_credential(id: CredentialId, actor: ApiActor, runtime: RuntimeDep) -> CredentialWithData:
    """A credential, with its data masked if you may change it."""
    view = credentials.get_credential(runtime.db, actor, id, key=runtime.executions.encryption_key)
    return CredentialWithData(**credential_json(view).model_dump(), data=view.data)


@router.patch("/{id}", response_model=CredentialJson)
def update_credential(id: CredentialId, body: UpdateCredentialBody, actor: ApiActor,
                      runtime: RuntimeDep) -> CredentialJson:
    """Rename a credential or change fields of its data."""
    return credential_json(credentials.update_credential(
        runtime.db, actor, id, key=runtime.executions.encryption_key, name=body.name, data=body.data))


@router.delete("/{id}", response_model=CredentialJson)
def delete_credential(id: CredentialId, actor: ApiActor, runtime: RuntimeDep) -> CredentialJson:
    """Delete a credential; answers what it was."""
    return credential_json(credentials.delete_credential(runtime.db, actor, id))


@router.put("/{id}/transfer", response_model=CredentialJson)
def transfer_credential(id: CredentialId, body: TransferBody, actor: ApiActor, runtime: RuntimeDep) -> CredentialJson:
    """Move a credential to another project."""
    return credential_json(credentials.transfer_credential(runtime.db, actor, id, body.destinationProjectId))


@router.put("/{id}/share", response_model=CredentialJson)
def share_credential(id: CredentialId, body: ShareBody, actor: ApiActor, runtime: RuntimeDep) -> CredentialJson:
    """Set the projects whose workflows may use this credential."""
    return credential_json(credentials.share_credential(runtime.db, actor, id, body.projectIds))


@router.post("/{id}/test", response_model=TestAnswer)
async def test_credential(id: CredentialId, actor: ApiActor, runtime: RuntimeDep) -> TestAnswer:
    """Check the stored credential against its service (the type's test)."""
    result = await credentials.test_saved_credential(runtime.db, actor, id, key=runtime.executions.encryption_key)
    return TestAnswer(status="OK" if result.ok else "Error", message=result.message)
