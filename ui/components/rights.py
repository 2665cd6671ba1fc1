"""What the signed-in user may do, asked of services.access, so a page can hide the buttons its user
cannot use. Hiding is a courtesy: the use cases check again and refuse."""

from __future__ import annotations

from dataclasses import dataclass, field

from services import access
from services.access import Actor
from services.runtime import Runtime


@dataclass
class Rights:
    runtime: Runtime
    actor: Actor
    _personal: str = field(default="", init=False)

    def has(self, scope: str) -> bool:
        """An instance-wide scope (user:manage, project:create, variable:manageGlobal, ...)."""
        return self.actor.has(scope)

    def in_project(self, project_id: str) -> frozenset[str]:
        with self.runtime.db.session() as session:
            return access.project_scopes(session, self.actor, project_id)

    def on_workflow(self, workflow_id: str) -> frozenset[str]:
        with self.runtime.db.session() as session:
            return access.workflow_scopes(session, self.actor, workflow_id)

    def on_credential(self, credential_id: str) -> frozenset[str]:
        with self.runtime.db.session() as session:
            return access.credential_scopes(session, self.actor, credential_id)

    def personal_project(self) -> str:
        """The actor's personal project, where things go when no project is chosen."""
        if not self._personal:
            with self.runtime.db.session() as session:
                self._personal = access.personal_project_id(session, self.actor.user_id)
        return self._personal

    def target_project(self, project_id: str) -> str:
        """Where a new workflow or credential goes: the chosen project, else the personal one."""
        return project_id or self.personal_project()
