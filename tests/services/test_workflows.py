"""The workflow use cases on a real database: saves and versions, restore, duplicate, archive, delete, tags,
listing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, func, select

from engine.errors import WorkflowValidationError
from engine.registry import NodeRegistry
from models import (
    Database,
    Execution,
    ExecutionData,
    Project,
    SharedWorkflow,
    Tag,
    Workflow,
    WorkflowTag,
    WorkflowVersion,
)
from models.repositories import create_execution, save_execution_data
from services import workflows as service
from services.workflows import ProjectNotFound, WorkflowArchived, WorkflowNotFound
from tests.services.documents import flow, noop


def count(database: Database, model: type[Any], *where: Any) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def create(database: Database, registry: NodeRegistry, data: dict[str, Any], **options: Any) -> Workflow:
    return service.create_workflow(database, data, registry=registry, **options)


def test_the_default_project_is_created_once_with_a_stable_id(database: Database) -> None:
    first = service.ensure_default_project(database)
    again = service.ensure_default_project(database)
    assert first.id == again.id == service.DEFAULT_PROJECT_ID
    assert (first.name, first.type) == ("Default", "team")
    assert count(database, Project) == 1


def test_create_stores_the_document_with_a_first_version_and_an_owner(database: Database,
                                                                      registry: NodeRegistry) -> None:
    # Given an n8n workflow with every stored part
    data = flow("Sync", noop(), id="n8nWorkflowId0001", settings={"timezone": "Europe/Paris"},
                pinData={"Nothing": [{"json": {"a": 1}}]}, staticData={"global": {"last": 3}},
                meta={"instanceId": "abc"}, active=True, tags=["ops"])

    # When it is created
    workflow = create(database, registry, data)

    # Then it keeps its id and content, is inactive, owned by the Default project, with one version
    stored = service.get_workflow(database, "n8nWorkflowId0001")
    assert stored.id == workflow.id and stored.name == "Sync" and stored.active is False
    assert stored.nodes == data["nodes"] and stored.connections == data["connections"]
    assert stored.settings == {"timezone": "Europe/Paris"}  # no executionOrder added: absent means v0
    assert (stored.pin_data, stored.static_data, stored.meta) == (data["pinData"], data["staticData"], data["meta"])
    assert stored.project_id == service.DEFAULT_PROJECT_ID
    assert [version.version_id for version in service.list_versions(database, workflow.id)] == [stored.version_id]
    assert count(database, SharedWorkflow, col(SharedWorkflow.role) == "owner") == 1
    assert [tag.name for tag in service.workflow_tags(database, [workflow.id])[workflow.id]] == ["ops"]


def test_a_workflow_from_scratch_gets_v1_and_a_default_name(database: Database, registry: NodeRegistry) -> None:
    workflow = create(database, registry, {})
    assert (workflow.name, workflow.nodes, workflow.settings) == ("My workflow", [], {"executionOrder": "v1"})
    kept = create(database, registry, {"name": "Old", "settings": {"executionOrder": "v0"}})
    assert kept.settings == {"executionOrder": "v0"}


def test_an_id_that_is_taken_or_unsafe_is_replaced(database: Database, registry: NodeRegistry) -> None:
    first = create(database, registry, flow(id="sameId"))
    second = create(database, registry, flow(id="sameId"))
    unsafe = create(database, registry, flow(id="../../etc/passwd"))
    assert first.id == "sameId" and second.id != "sameId" and len(second.id) == 16
    assert "/" not in unsafe.id


def test_invalid_content_is_refused_with_every_problem_and_nothing_stored(database: Database,
                                                                          registry: NodeRegistry) -> None:
    bad = flow("x" * 129, noop(type="n8n-nodes-base.nope"), settings=[])
    with pytest.raises(WorkflowValidationError) as refused:
        create(database, registry, bad)
    problems = "\n".join(refused.value.problems)
    assert "Node 'Nothing' has unknown node type 'n8n-nodes-base.nope'" in problems
    assert "name must be 1 to 128 characters" in problems and "'settings' must be an object" in problems
    assert count(database, Workflow) == 0 and count(database, WorkflowVersion) == 0


def test_an_unknown_project_is_refused(database: Database, registry: NodeRegistry) -> None:
    with pytest.raises(ProjectNotFound):
        create(database, registry, flow(), project_id="missing")
    assert count(database, Workflow) == 0


def test_every_update_is_a_new_version_and_keeps_what_it_does_not_name(database: Database,
                                                                        registry: NodeRegistry) -> None:
    # Given a workflow with pinned data
    workflow = create(database, registry, flow("Before", pinData={"Start": [{"json": {}}]}))

    # When it is saved twice
    service.update_workflow(database, workflow.id, {"name": "Renamed"}, registry=registry)
    updated = service.update_workflow(database, workflow.id, {"nodes": flow(None, noop())["nodes"],
                                                              "connections": flow(None, noop())["connections"],
                                                              "settings": {"executionOrder": "v1"}},
                                      registry=registry)

    # Then there are three versions, newest first, and untouched parts stayed
    versions = service.list_versions(database, workflow.id)
    assert [version.name for version in versions] == ["Renamed", "Renamed", "Before"]
    assert versions[0].version_id == updated.version_id != workflow.version_id
    assert [len(version.nodes) for version in versions] == [2, 1, 1]
    assert updated.name == "Renamed" and updated.pin_data == {"Start": [{"json": {}}]}
    assert service.get_workflow(database, workflow.id).settings == {"executionOrder": "v1"}


def test_an_update_is_validated_as_a_whole(database: Database, registry: NodeRegistry) -> None:
    workflow = create(database, registry, flow("Flow", noop()))
    with pytest.raises(WorkflowValidationError, match="which does not exist"):
        service.update_workflow(database, workflow.id, {"nodes": flow()["nodes"]}, registry=registry)
    assert len(service.list_versions(database, workflow.id)) == 1
    with pytest.raises(WorkflowNotFound):
        service.update_workflow(database, "missing", {"name": "x"}, registry=registry)


def test_restore_copies_a_version_back_as_a_new_save(database: Database, registry: NodeRegistry) -> None:
    workflow = create(database, registry, flow("First"))
    service.update_workflow(database, workflow.id, {**flow("Second", noop())}, registry=registry)
    first_version = service.list_versions(database, workflow.id)[-1]

    restored = service.restore_version(database, workflow.id, first_version.version_id)

    assert (restored.name, restored.nodes, restored.connections) == ("First", workflow.nodes, {})
    versions = service.list_versions(database, workflow.id)
    assert len(versions) == 3 and versions[0].version_id == restored.version_id != first_version.version_id
    other = create(database, registry, flow("Other"))
    with pytest.raises(WorkflowNotFound, match="has no version"):
        service.restore_version(database, other.id, first_version.version_id)


def test_duplicate_is_a_new_inactive_copy_with_the_same_tags(database: Database, registry: NodeRegistry) -> None:
    source = create(database, registry, flow("Daily", noop(webhookId="hook-1"), staticData={"global": {"n": 1}},
                                              tags=["b", "a"]))

    copy = service.duplicate_workflow(database, source.id)
    named = service.duplicate_workflow(database, source.id, name="Weekly")

    assert copy.id != source.id and copy.name == "Daily (copy)" and named.name == "Weekly"
    assert copy.active is False and copy.static_data == {} and copy.connections == source.connections
    assert copy.nodes[1]["webhookId"] not in ("hook-1", named.nodes[1]["webhookId"])
    assert {**copy.nodes[1], "webhookId": "hook-1"} == source.nodes[1]
    tags = service.workflow_tags(database, [copy.id, source.id])
    assert [tag.name for tag in tags[copy.id]] == [tag.name for tag in tags[source.id]] == ["a", "b"]
    assert len(service.list_versions(database, copy.id)) == 1


def test_archived_workflows_cannot_run_or_change_and_are_listed_only_on_request(database: Database,
                                                                                registry: NodeRegistry) -> None:
    workflow = create(database, registry, flow("Old"))
    assert service.get_executable_workflow(database, workflow.id).id == workflow.id

    service.archive_workflow(database, workflow.id)

    with pytest.raises(WorkflowArchived, match="archived and cannot run"):
        service.get_executable_workflow(database, workflow.id)
    with pytest.raises(WorkflowArchived):
        service.update_workflow(database, workflow.id, {"name": "New"}, registry=registry)
    assert service.list_workflows(database) == []
    assert [w.id for w in service.list_workflows(database, include_archived=True)] == [workflow.id]
    assert service.unarchive_workflow(database, workflow.id).is_archived is False
    assert service.get_executable_workflow(database, workflow.id).id == workflow.id
    with pytest.raises(WorkflowNotFound):
        service.get_executable_workflow(database, "missing")


def test_delete_cascades_to_versions_tags_shares_and_executions(database: Database,
                                                                registry: NodeRegistry) -> None:
    # Given a workflow with versions, a tag, and an execution with data; and another workflow
    workflow = create(database, registry, flow("Doomed", tags=["keep-me"]))
    service.update_workflow(database, workflow.id, {"name": "Doomed 2"}, registry=registry)
    survivor = create(database, registry, flow("Survivor"))
    with database.session() as session:
        execution = create_execution(session, workflow.id, workflow.project_id, "manual")
        assert execution.id is not None
        save_execution_data(session, execution.id, {"workflow": {}}, {"runData": {}})

    # When it is deleted
    service.delete_workflow(database, workflow.id)

    # Then everything that hung off it is gone, the tag itself and the other workflow stay
    for model in (WorkflowVersion, WorkflowTag, SharedWorkflow, Execution):
        assert count(database, model, col(model.workflow_id) == workflow.id) == 0
    assert count(database, ExecutionData) == 0 and count(database, Tag) == 1
    assert [w.id for w in service.list_workflows(database)] == [survivor.id]
    with pytest.raises(WorkflowNotFound):
        service.delete_workflow(database, workflow.id)


def test_tags_are_created_on_demand_and_match_ignoring_case(database: Database, registry: NodeRegistry) -> None:
    first = create(database, registry, flow("One"))
    second = create(database, registry, flow("Two"))

    service.set_tags(database, first.id, ["Prod", "billing", "prod "])
    tags = service.set_tags(database, second.id, ["PROD"])

    assert [tag.name for tag in tags] == ["Prod"]  # the existing spelling wins
    assert count(database, Tag) == 2
    assert [tag.name for tag in service.workflow_tags(database, [first.id])[first.id]] == ["billing", "Prod"]
    service.set_tags(database, first.id, ["billing"])
    assert [w.id for w in service.list_workflows(database, tag="prod")] == [second.id]
    with pytest.raises(WorkflowValidationError, match="needs a name"):
        service.set_tags(database, first.id, ["  "])
    with pytest.raises(WorkflowValidationError, match="'tags' must be a list"):
        create(database, registry, flow("Three", tags="prod"))
    with pytest.raises(WorkflowNotFound):
        service.set_tags(database, "missing", ["x"])


def test_listing_is_newest_save_first_and_filters(database: Database, registry: NodeRegistry) -> None:
    with database.session() as session:
        team = Project(name="Team")
        session.add(team)
    alpha = create(database, registry, flow("Alpha report"))
    beta = create(database, registry, flow("Beta 100%_done"))
    gamma = create(database, registry, flow("gamma REPORT"), project_id=team.id)

    service.update_workflow(database, alpha.id, {"name": "Alpha report v2"}, registry=registry)

    def ids(**filters: Any) -> list[str]:
        return [workflow.id for workflow in service.list_workflows(database, **filters)]

    assert ids() == [alpha.id, gamma.id, beta.id]
    assert ids(search="report") == [alpha.id, gamma.id]
    assert ids(search="100%_") == [beta.id] and ids(search="0%d") == []  # % and _ match only themselves
    assert ids(project_id=team.id) == [gamma.id]
    assert ids(project_id=service.DEFAULT_PROJECT_ID, search="REPORT") == [alpha.id]


def test_the_export_shape_is_n8ns(database: Database, registry: NodeRegistry) -> None:
    workflow = create(database, registry, flow("Shape", tags=["x"]))
    tags = service.workflow_tags(database, [workflow.id])[workflow.id]

    document = service.workflow_to_json(workflow, tags)

    assert list(document) == ["id", "name", "active", "isArchived", "nodes", "connections", "settings",
                              "staticData", "pinData", "meta", "versionId", "tags", "createdAt", "updatedAt"]
    assert document["tags"] == [{"id": tags[0].id, "name": "x"}]
    assert document["createdAt"].endswith("Z") and len(document["createdAt"]) == 24
    assert document["versionId"] == workflow.version_id
