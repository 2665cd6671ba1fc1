"""/audit: the audit log (`GET /audit/events`) and n8n's security audit (`POST /audit`), for owners
and admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, decode_cursor, page
from models import AuditEvent
from services import audit
from services.security_audit import RiskReport, security_audit

from .credentials import ID_PATTERN, Cursor, Timestamp

router = APIRouter(prefix="/audit", tags=["Audit"])

_MAX_ID = 2**63 - 1
# audit.list_events answers at most 250 rows, and a page asks for one more than it shows.
Limit = Annotated[int, Query(ge=1, le=200, description="Events per page")]


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date is out of range") from None


Since = Annotated[AwareDatetime, AfterValidator(_utc)]


class AuditEventJson(BaseModel):
    id: int
    at: Timestamp
    event: str
    userId: str | None
    email: str | None
    ip: str | None
    target: str | None
    detail: dict[str, Any]


class AuditEventPage(BaseModel):
    data: list[AuditEventJson]
    nextCursor: str | None


class CredentialRisk(BaseModel):
    id: str
    name: str
    type: str
    projectId: str


class ApiKeyRisk(BaseModel):
    id: str
    label: str
    userId: str
    createdAt: Timestamp
    lastUsedAt: Timestamp | None


class UserRisk(BaseModel):
    id: str
    email: str
    createdAt: Timestamp


class WorkflowRisk(BaseModel):
    id: str
    name: str
    projectId: str
    sharedWithProjectIds: list[str]


class RiskReportJson(BaseModel):
    unusedCredentials: list[CredentialRisk]
    apiKeysWithoutExpiry: list[ApiKeyRisk]
    usersNeverSignedIn: list[UserRisk]
    workflowsSharedWithOtherProjects: list[WorkflowRisk]


def event_json(row: AuditEvent) -> AuditEventJson:
    return AuditEventJson(id=row.id or 0, at=row.at, event=row.event, userId=row.user_id, email=row.email,
                          ip=row.ip, target=row.target, detail=row.detail)


def report_json(report: RiskReport) -> RiskReportJson:
    return RiskReportJson(
        unusedCredentials=[CredentialRisk(id=c.id, name=c.name, type=c.type, projectId=c.project_id)
                           for c in report.unused_credentials],
        apiKeysWithoutExpiry=[ApiKeyRisk(id=k.id, label=k.label, userId=k.user_id, createdAt=k.created_at,
                                         lastUsedAt=k.last_used_at) for k in report.keys_without_expiry],
        usersNeverSignedIn=[UserRisk(id=u.id, email=u.email, createdAt=u.created_at)
                            for u in report.users_never_signed_in],
        workflowsSharedWithOtherProjects=[WorkflowRisk(id=s.workflow.id, name=s.workflow.name,
                                                       projectId=s.workflow.project_id,
                                                       sharedWithProjectIds=s.project_ids)
                                          for s in report.workflows_shared_outside],
    )


def _before_id(cursor: str | None) -> int | None:
    before = decode_cursor(cursor)
    if before is not None and (not isinstance(before, int) or isinstance(before, bool) or not 0 < before <= _MAX_ID):
        raise HTTPException(400, "The cursor is not one this API returned")
    return before


@router.get("/events", response_model=AuditEventPage)
def list_events(actor: ApiActor, runtime: RuntimeDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
                event: Annotated[str | None, Query(pattern=r"^[A-Za-z.]{1,64}$",
                                                   description="e.g. credential.created")] = None,
                userId: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
                since: Annotated[Since | None, Query(description="Events at or after this time")] = None,
                ) -> AuditEventPage:
    """The audit log, newest first."""
    rows = audit.list_events(runtime.db, actor, event=event, user_id=userId, since=since,
                             before_id=_before_id(cursor), limit=limit + 1)
    rows, next_cursor = page(rows, limit, lambda row: row.id)
    return AuditEventPage(data=[event_json(row) for row in rows], nextCursor=next_cursor)


@router.post("", response_model=RiskReportJson)
def run_security_audit(actor: ApiActor, runtime: RuntimeDep) -> RiskReportJson:
    """A small risk report: unused credentials, API keys without expiry, users who never signed in,
    workflows shared with other projects."""
    return report_json(security_audit(runtime.db, actor))
