"""The security audit (n8n's `POST /audit`), kept small: four lists of things worth a look.

- credentials no workflow refers to (by id, or by type and name as n8n exports do);
- API keys that never expire;
- users who never signed in (the audit log has no user.signedIn for them);
- workflows shared with projects other than their owner.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from models import ApiKey, AuditEvent, Credential, SharedWorkflow, User, Workflow
from models.db import Database

from .access import Actor, require


@dataclass(frozen=True)
class SharedOutside:
    workflow: Workflow
    project_ids: list[str]


@dataclass(frozen=True)
class RiskReport:
    unused_credentials: list[Credential]
    keys_without_expiry: list[ApiKey]
    users_never_signed_in: list[User]
    workflows_shared_outside: list[SharedOutside]


def security_audit(db: Database, actor: Actor) -> RiskReport:
    """Owners and admins only (audit:read)."""
    require(actor, "audit:read")
    with db.session() as session:
        workflows = list(session.exec(select(Workflow).order_by(col(Workflow.name))))
        credentials = list(session.exec(select(Credential).order_by(col(Credential.name))))
        keys = list(session.exec(select(ApiKey).where(col(ApiKey.expires_at).is_(None))
                                 .order_by(col(ApiKey.created_at))))
        signed_in = select(AuditEvent.user_id).where(AuditEvent.event == "user.signedIn",
                                                     col(AuditEvent.user_id).is_not(None))
        never = list(session.exec(select(User).where(col(User.id).not_in(signed_in)).order_by(col(User.email))))
        shares = session.exec(select(SharedWorkflow).where(SharedWorkflow.role != "owner")).all()
    ids, names = _credential_references(workflows)
    unused = [c for c in credentials if c.id not in ids and (c.type, c.name) not in names]
    shared: dict[str, list[str]] = {}
    for share in shares:
        shared.setdefault(share.workflow_id, []).append(share.project_id)
    outside = [SharedOutside(w, sorted(shared[w.id])) for w in workflows if w.id in shared]
    return RiskReport(unused, keys, never, outside)


def _credential_references(workflows: list[Workflow]) -> tuple[set[str], set[tuple[str, str]]]:
    """The credential ids, and (type, name) pairs, that the workflows' nodes name."""
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    for credential_type, reference in _references(workflows):
        if isinstance(reference, Mapping):
            if reference.get("id"):
                ids.add(str(reference["id"]))
            if reference.get("name"):
                names.add((credential_type, str(reference["name"])))
        elif isinstance(reference, str):  # n8n's oldest form: the credential's name
            names.add((credential_type, reference))
    return ids, names


def _references(workflows: list[Workflow]) -> Iterator[tuple[str, Any]]:
    for workflow in workflows:
        for node in workflow.nodes:
            slots = node.get("credentials") if isinstance(node, Mapping) else None
            if isinstance(slots, Mapping):
                yield from slots.items()
