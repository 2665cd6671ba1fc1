"""engine.workflow.ParsedWorkflows: a workflow parsed once is found again by its content, and each
caller still gets static data and a document of its own."""

from __future__ import annotations

import pytest

from engine.errors import WorkflowValidationError
from engine.workflow import ParsedWorkflows

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()


def document(**extra: object) -> dict:
    nodes = [node("T", "n8n-nodes-base.manualTrigger"), node("N", "n8n-nodes-base.noOp", 200, 0)]
    return workflow(nodes, connect(("T", "N")), **extra)


def test_the_same_content_shares_the_graph_and_the_parameter_cache() -> None:
    parsed = ParsedWorkflows(REGISTRY)
    first = parsed.parse(document(staticData={"seen": 1}))
    first.parameter_cache[("N", "x")] = ("looked up once", None)
    second = parsed.parse(document(staticData={"seen": 2}))  # a new dict with the same content

    assert second is not first and second.nodes is first.nodes and second.inputs is first.inputs
    assert second.parameter_cache is first.parameter_cache
    # Static data is the run's own: what the first run changes the second never sees, and back
    assert (first.static_data, second.static_data) == ({"seen": 1}, {"seen": 2})
    second.static_data["seen"] = 3
    assert first.static_data == {"seen": 1}
    assert second.raw["staticData"] == {"seen": 2}  # each Workflow keeps its own document


def test_changed_content_is_parsed_again() -> None:
    parsed = ParsedWorkflows(REGISTRY)
    first = parsed.parse(document())
    renamed = document()
    renamed["nodes"][1]["parameters"] = {"changed": True}
    second = parsed.parse(renamed)
    assert second.nodes is not first.nodes
    assert second.node("N").parameters == {"changed": True}


def test_pinned_data_and_invalid_workflows_are_never_kept() -> None:
    parsed = ParsedWorkflows(REGISTRY, size=8)
    pinned = document(pinData={"T": [{"json": {"a": 1}}]})
    first, second = parsed.parse(pinned), parsed.parse(pinned)
    assert first.pin_data["T"][0] is not second.pin_data["T"][0]  # items nodes may change stay apart
    invalid = document()
    invalid["nodes"][1]["type"] = "n8n-nodes-base.noSuchNode"
    for _ in range(2):  # refused each time, with its problems
        with pytest.raises(WorkflowValidationError, match="unknown node type"):
            parsed.parse(invalid)


def test_only_the_most_recent_workflows_are_kept() -> None:
    parsed = ParsedWorkflows(REGISTRY, size=2)
    documents = [document(name=f"w{n}") for n in range(3)]
    first = [parsed.parse(d) for d in documents]
    assert parsed.parse(documents[2]).nodes is first[2].nodes
    assert parsed.parse(documents[0]).nodes is not first[0].nodes  # pushed out by the third
