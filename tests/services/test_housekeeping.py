"""The hourly upkeep: old executions are pruned; running ones are never touched."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models import Database, Execution, Project, Workflow
from models.repositories import create_execution, transition
from models.types import utcnow
from services.housekeeping import Housekeeper


def test_a_tick_prunes_old_finished_executions_and_keeps_running_ones(database: Database) -> None:
    with database.session() as session:
        project = Project(name="Team")
        session.add(project)
        session.flush()
        workflow = Workflow(project_id=project.id, name="wf", nodes=[], connections={})
        session.add(workflow)
        session.flush()
        ids = {}
        for name, status, age in (("old", "success", 500), ("recent", "error", 1), ("busy", "running", 500)):
            execution = create_execution(session, workflow.id, project.id, "trigger")
            assert execution.id is not None
            if status != "running":
                transition(session, execution.id, "running")
            transition(session, execution.id, status, stopped_at=utcnow() - timedelta(hours=age))
            ids[name] = execution.id
    Housekeeper(database, max_age_hours=336, max_count=10_000).tick()
    with database.session() as session:
        left = {name for name, execution_id in ids.items() if session.get(Execution, execution_id) is not None}
    assert left == {"recent", "busy"}


def test_a_tick_removes_expired_sign_in_sessions(database: Database) -> None:
    from models import AuthSession
    from services.users import create_user

    user = create_user(database, "someone@example.com", "long enough password")
    with database.session() as session:
        session.add(AuthSession(token_hash="a" * 64, user_id=user.id, expires_at=utcnow() - timedelta(seconds=1)))
        session.add(AuthSession(token_hash="b" * 64, user_id=user.id, expires_at=utcnow() + timedelta(hours=1)))
    Housekeeper(database, max_age_hours=336, max_count=10_000).tick()
    with database.session() as session:
        assert [row.token_hash for row in session.exec(select(AuthSession))] == ["b" * 64]
