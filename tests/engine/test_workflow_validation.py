"""Invalid workflow JSON gets specific messages naming the node and field, never a traceback."""

from __future__ import annotations

import pytest

from engine.errors import WorkflowValidationError
from engine.workflow import load_workflow_text, parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")
NOOP = node("N", "n8n-nodes-base.noOp", 200, 0)


def problems_of(data) -> list[str]:
    with pytest.raises(WorkflowValidationError) as caught:
        parse_workflow(data, REGISTRY)
    return caught.value.problems


def test_unparseable_json_names_line_and_column():
    with pytest.raises(WorkflowValidationError) as caught:
        load_workflow_text('{"nodes": [\n  {"name": }', REGISTRY)
    assert caught.value.problems == ["Workflow JSON is not valid: Expecting value at line 2, column 12"]


def test_unknown_type_suggests_the_closest_known_one():
    [problem] = problems_of(workflow([node("X", "n8n-nodes-base.noOpp")], {}))
    assert problem == "Node 'X' has unknown node type 'n8n-nodes-base.noOpp'; did you mean 'n8n-nodes-base.noOp'?"


def test_duplicate_names():
    assert problems_of(workflow([TRIGGER, {**NOOP, "name": "T"}], {})) == [
        "Node name 'T' is used by more than one node; names must be unique"
    ]


def test_connection_from_and_to_missing_nodes():
    problems = problems_of(workflow([TRIGGER], connect(("Ghost", "T"), ("T", "Nowhere"))))
    assert "Connections come from node 'Ghost', which does not exist" in problems
    assert "Node 'T' output 0 connects to node 'Nowhere', which does not exist" in problems


def test_output_and_input_indexes_must_exist():
    problems = problems_of(workflow([TRIGGER, NOOP], connect(("T", "N", 3), ("T", "N", 0, 2))))
    assert "Node 'T' has 1 output(s), but a connection leaves from output 3 (to 'N')" in problems
    assert "Node 'N' has 1 input(s), but node 'T' connects to input 2" in problems


def test_unsupported_type_version_lists_the_supported_ones():
    [problem] = problems_of(workflow([{**NOOP, "typeVersion": 7}], {}))
    assert problem == "Node 'N' (n8n-nodes-base.noOp) has typeVersion 7, which is not supported; supported versions: 1"


def test_parameters_must_be_an_object():
    [problem] = problems_of(workflow([{**NOOP, "parameters": ["a"]}], {}))
    assert problem == "Node 'N': 'parameters' must be an object, got a list"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "A workflow must be a JSON object, got a list"),
        ({"nodes": {}}, "'nodes' must be a list of node objects, got an object"),
        ({"nodes": [{"type": "x.y"}]}, "Node #1 has no 'name' (a non-empty string is required)"),
        ({"nodes": [{"name": "A"}]}, "Node 'A' has no 'type'"),
        ({"nodes": [{**NOOP, "onError": "explode"}]}, "Node 'N': 'onError' must be one of stopWorkflow, continueRegularOutput, continueErrorOutput, got 'explode'"),
        ({"nodes": [NOOP], "settings": []}, "'settings' must be an object, got a list"),
        ({"nodes": [NOOP], "pinData": {"N": {}}}, "Pinned data of node 'N' must be a list of items"),
    ],
)
def test_shape_problems(data, expected):
    assert expected in problems_of(data)


def test_every_problem_is_reported_at_once():
    problems = problems_of(workflow([node("A", "nope.x"), {**NOOP, "parameters": 3}], connect(("Z", "A"))))
    assert len(problems) == 3


def test_a_valid_workflow_builds_an_immutable_graph():
    parsed = parse_workflow(workflow([TRIGGER, NOOP], connect(("T", "N"))), REGISTRY)
    assert parsed.children("T")[0].node == "N"
    assert parsed.parents("N") == ["T"]
    assert parsed.execution_order == "v1"
    with pytest.raises(TypeError):
        parsed.nodes["X"] = None  # type: ignore[index]


def test_an_n8n_export_array_of_one_workflow_is_accepted():
    assert parse_workflow([workflow([TRIGGER], {})], REGISTRY).nodes["T"].type == "n8n-nodes-base.manualTrigger"


def test_retry_settings_are_clamped_like_n8n():
    parsed = parse_workflow(workflow([{**NOOP, "maxTries": 1, "waitBetweenTries": 99999}], {}), REGISTRY)
    assert parsed.node("N").max_tries == 2 and parsed.node("N").wait_between_tries == 5000
