"""EditorGraph: every change validated in Python, undoable, and n8n's workflow JSON in and out."""

from __future__ import annotations

import json

import pytest

from engine.registry import NodeRegistry
from engine.workflow import parse_workflow
from ui.editor.graph import EditorGraph, GraphError, Link, NodePorts
from ui.editor.graph_rules import rename_references, unique_name

REGISTRY = NodeRegistry.from_entry_points()


def graph_with(*types: str) -> EditorGraph:
    """A workflow with one node per type, left to right, not connected."""
    graph = EditorGraph(REGISTRY)
    for index, type_name in enumerate(types):
        graph.add_node(type_name, (index * 200, 0))
    graph.mark_saved()
    return graph


def chain() -> EditorGraph:
    """Manual Trigger -> If -(true)-> Edit Fields."""
    graph = graph_with("knotwork.manualTrigger", "knotwork.if", "knotwork.set")
    graph.connect("Manual Trigger", 0, "If", 0)
    graph.connect("If", 0, "Edit Fields", 0)
    graph.mark_saved()
    return graph


# ---- add_node ---------------------------------------------------------------------------------
def test_a_new_node_gets_n8n_s_shape_default_version_and_a_unique_name():
    graph = EditorGraph(REGISTRY)
    first = graph.add_node("knotwork.set", (100, 40))
    second = graph.add_node("n8n-nodes-base.set", (300, 40))
    assert first["name"] == "Edit Fields" and second["name"] == "Edit Fields1"
    assert first["typeVersion"] == 3.4 and first["position"] == [100, 40] and first["parameters"] == {}
    assert len(first["id"]) == 36 and first["id"] != second["id"]
    assert second["type"] == "n8n-nodes-base.set"
    assert graph.add_node("knotwork.noOp", (0, 0), name="Edit Fields")["name"] == "Edit Fields2"


def test_required_parameters_are_stored_with_their_defaults_and_nothing_else():
    graph = EditorGraph(REGISTRY)
    assert graph.add_node("knotwork.stopAndError", (0, 0))["parameters"] == {"errorMessage": ""}
    assert graph.add_node("knotwork.merge", (0, 0))["parameters"] == {}  # required ones are v1-only
    given = graph.add_node("knotwork.set", (0, 0), parameters={"mode": "raw"})
    assert given["parameters"] == {"mode": "raw"}


def test_a_node_without_a_position_lands_right_of_the_rightmost_node():
    graph = graph_with("knotwork.manualTrigger")
    assert graph.add_node("knotwork.noOp")["position"] == [300, 0]


def test_unknown_types_are_refused_by_name_with_a_suggestion():
    graph = EditorGraph(REGISTRY)
    with pytest.raises(GraphError, match="Unknown node type 'knotwork.sett'; did you mean 'knotwork.set'"):
        graph.add_node("knotwork.sett", (0, 0))
    assert graph.names() == [] and not graph.dirty


def test_bad_names_positions_and_parameters_are_refused():
    graph = EditorGraph(REGISTRY)
    with pytest.raises(GraphError, match="must not be empty"):
        graph.add_node("knotwork.noOp", (0, 0), name="  ")
    with pytest.raises(GraphError, match="two numbers"):
        graph.add_node("knotwork.noOp", (float("nan"), 0))
    with pytest.raises(GraphError, match="must be an object"):
        graph.add_node("knotwork.noOp", (0, 0), parameters=["x"])  # type: ignore[arg-type]
    assert graph.names() == []


# ---- ports ------------------------------------------------------------------------------------
def test_ports_name_the_outputs_as_the_node_type_does():
    graph = graph_with("knotwork.manualTrigger", "knotwork.if", "knotwork.splitInBatches", "knotwork.merge",
                       "knotwork.stickyNote")
    assert graph.ports("Manual Trigger") == NodePorts((), ("",))
    assert graph.ports("If") == NodePorts(("",), ("true", "false"))
    assert graph.ports("Loop Over Items") == NodePorts(("",), ("done", "loop"))
    assert graph.ports("Merge") == NodePorts(("Input 1", "Input 2"), ("",))
    assert graph.ports("Sticky Note") == NodePorts((), ())


def test_the_error_output_appears_with_continue_error_output():
    graph = graph_with("knotwork.if", "knotwork.noOp")
    graph.set_node_settings("If", onError="continueErrorOutput")
    graph.set_node_settings("No Operation, do nothing", onError="continueErrorOutput")
    assert graph.ports("If").outputs == ("true", "false", "error")
    assert graph.ports("No Operation, do nothing").outputs == ("success", "error")
    graph.add_node("knotwork.stopAndError", (0, 200))
    graph.set_node_settings("Stop and Error", onError="continueErrorOutput")
    assert graph.ports("Stop and Error").outputs == ("error",)  # as engine.registry counts outputs


def test_nodes_of_uninstalled_types_open_with_ports_guessed_from_their_connections():
    workflow = {"nodes": [{"name": "A", "type": "acme.thing", "position": [0, 0]},
                          {"name": "B", "type": "knotwork.noOp", "typeVersion": 1, "position": [200, 0]}],
                "connections": {"A": {"main": [[], [{"node": "B", "type": "main", "index": 0}]]}}}
    graph = EditorGraph.from_json(workflow, REGISTRY)
    assert graph.ports("A") == NodePorts(("",), ("", ""), known=False)
    assert graph.description("A") is None


# ---- connections ------------------------------------------------------------------------------
def test_connect_writes_n8n_connections_by_source_name_and_output_index():
    graph = chain()
    graph.connect("If", 1, "Edit Fields", 0)
    assert graph.to_json()["connections"] == {
        "Manual Trigger": {"main": [[{"node": "If", "type": "main", "index": 0}]]},
        "If": {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}],
                        [{"node": "Edit Fields", "type": "main", "index": 0}]]},
    }
    assert Link("If", 1, "Edit Fields", 0) in graph.links()


@pytest.mark.parametrize(("link", "message"), [
    (("Nope", 0, "If", 0), "There is no node named 'Nope'"),
    (("If", 0, "Nope", 0), "There is no node named 'Nope'"),
    (("If", 2, "Edit Fields", 0), "Node 'If' has 2 output\\(s\\); there is no output 2"),
    (("If", 0, "Edit Fields", 1), "Node 'Edit Fields' has 1 input\\(s\\); there is no input 1"),
    (("Edit Fields", 0, "Manual Trigger", 0), "Node 'Manual Trigger' has no input; there is no input 0"),
    (("If", 0, "If", 0), "cannot be connected to itself"),
    (("If", 0, "Edit Fields", 0), "already connected"),
    (("If", True, "Edit Fields", 0), "whole numbers"),
    (("If", 0, "Sticky Note", 0), "Sticky notes have no inputs or outputs"),
])
def test_connections_that_cannot_exist_are_refused(link, message):
    graph = chain()
    graph.add_node("knotwork.stickyNote", (0, 300))
    before = graph.to_json()
    with pytest.raises(GraphError, match=message):
        graph.connect(*link)
    assert graph.to_json() == before


def test_disconnect_removes_one_connection_and_tidies_empty_outputs():
    graph = chain()
    graph.disconnect("If", 0, "Edit Fields", 0)
    assert "If" not in graph.to_json()["connections"]
    with pytest.raises(GraphError, match="There is no connection from 'If' output 0 to 'Edit Fields' input 0"):
        graph.disconnect("If", 0, "Edit Fields", 0)


def test_a_node_dropped_on_a_connection_is_spliced_in():
    graph = chain()
    node = graph.insert_on_connection("knotwork.noOp", Link("If", 0, "Edit Fields", 0), (300, 100))
    assert node["position"] == [300, 100]
    assert set(graph.links()) == {Link("Manual Trigger", 0, "If", 0), Link("If", 0, node["name"], 0),
                                  Link(node["name"], 0, "Edit Fields", 0)}
    graph.undo()
    assert set(graph.links()) == {Link("Manual Trigger", 0, "If", 0), Link("If", 0, "Edit Fields", 0)}
    assert node["name"] not in graph.names()


def test_splicing_needs_an_existing_connection_and_a_node_with_an_input_and_an_output():
    graph = chain()
    before = graph.to_json()
    with pytest.raises(GraphError, match="There is no connection"):
        graph.insert_on_connection("knotwork.noOp", Link("If", 1, "Edit Fields", 0), (0, 0))
    with pytest.raises(GraphError, match="cannot be inserted into a connection"):
        graph.insert_on_connection("knotwork.manualTrigger", Link("If", 0, "Edit Fields", 0), (0, 0))
    with pytest.raises(GraphError, match="Unknown node type"):
        graph.insert_on_connection("acme.nope", Link("If", 0, "Edit Fields", 0), (0, 0))
    assert graph.to_json() == before and not graph.dirty


# ---- remove, move, disable, parameters, settings ------------------------------------------------
def test_removing_nodes_drops_their_connections_and_pinned_data():
    graph = chain()
    workflow = graph.to_json()
    workflow["pinData"] = {"If": [{"json": {"a": 1}}]}
    graph = EditorGraph.from_json(workflow, REGISTRY)
    graph.remove_nodes(["If"])
    assert graph.names() == ["Manual Trigger", "Edit Fields"]
    assert graph.to_json()["connections"] == {} and graph.to_json()["pinData"] == {}
    with pytest.raises(GraphError, match="There is no node named 'If'"):
        graph.remove_nodes(["If"])


def test_removing_a_node_drops_ai_connections_into_it_and_keeps_the_others():
    workflow = chain().to_json()
    workflow["connections"]["Manual Trigger"]["ai_tool"] = [[{"node": "If", "type": "ai_tool", "index": 0}]]
    workflow["connections"]["Edit Fields"] = {"ai_tool": [[{"node": "Manual Trigger", "type": "ai_tool", "index": 0}]]}
    graph = EditorGraph.from_json(workflow, REGISTRY)
    graph.remove_nodes(["If"])
    assert graph.to_json()["connections"] == {
        "Edit Fields": {"ai_tool": [[{"node": "Manual Trigger", "type": "ai_tool", "index": 0}]]}}


def test_deleting_nodes_and_connections_is_one_step():
    graph = EditorGraph.from_json(chain().to_json(), REGISTRY)
    graph.delete(["Edit Fields"], [Link("Manual Trigger", 0, "If", 0)])
    assert graph.names() == ["Manual Trigger", "If"] and graph.links() == []
    graph.undo()
    assert not graph.dirty and len(graph.links()) == 2
    with pytest.raises(GraphError, match="There is no connection from 'If' output 1"):
        graph.delete([], [Link("If", 1, "Edit Fields", 0)])


def test_moving_nodes_and_one_drag_is_one_undo_step():
    graph = chain()
    graph.move_nodes({"If": (10, 20)}, drag="d1")
    graph.move_nodes({"If": (30.5, 40)}, drag="d1")
    graph.move_nodes({"If": (50, 60), "Edit Fields": (70, 80)}, drag="d2")
    assert graph.node("If")["position"] == [50, 60]
    graph.undo()
    assert graph.node("If")["position"] == [30.5, 40]
    graph.undo()
    assert graph.node("If")["position"] == [200, 0]
    assert not graph.dirty
    with pytest.raises(GraphError, match="two numbers"):
        graph.move_nodes({"If": ("a", 0)})
    with pytest.raises(GraphError, match="no node named 'Nope'"):
        graph.move_nodes({"Nope": (0, 0)})


def test_disabling_and_enabling_nodes():
    graph = chain()
    graph.set_disabled(["If", "Edit Fields"], True)
    assert graph.node("If")["disabled"] is True
    graph.set_disabled(["If"], False)
    assert "disabled" not in graph.node("If") and graph.node("Edit Fields")["disabled"] is True
    with pytest.raises(GraphError, match="no node named 'Nope'"):
        graph.set_disabled(["Nope"], True)


def test_parameters_are_replaced_and_connections_to_vanished_ports_dropped():
    graph = graph_with("knotwork.noOp", "knotwork.merge")
    graph.add_node("knotwork.noOp", (0, 200))
    graph.set_parameters("Merge", {"numberInputs": 3})
    graph.connect("No Operation, do nothing1", 0, "Merge", 2)
    graph.set_parameters("Merge", {"numberInputs": 2})
    assert graph.node("Merge")["parameters"] == {"numberInputs": 2} and graph.links() == []
    with pytest.raises(GraphError, match="must be an object"):
        graph.set_parameters("Merge", "x")  # type: ignore[arg-type]
    with pytest.raises(GraphError, match="Only JSON values"):
        graph.set_parameters("Merge", {"when": object()})
    assert graph.node("Merge")["parameters"] == {"numberInputs": 2}


def test_node_settings_are_validated_and_none_removes_them():
    graph = chain()
    graph.set_node_settings("If", retryOnFail=True, maxTries=4, waitBetweenTries=500, alwaysOutputData=True,
                            executeOnce=True, notes="why", notesInFlow=True,
                            credentials={"httpBasicAuth": {"id": "1", "name": "Basic"}})
    node = graph.node("If")
    assert (node["retryOnFail"], node["maxTries"], node["waitBetweenTries"], node["notes"]) == (True, 4, 500, "why")
    graph.set_node_settings("If", retryOnFail=None)
    assert "retryOnFail" not in graph.node("If")
    for settings, message in [({"maxTries": 9}, "between 2 and 5"), ({"waitBetweenTries": -1}, "between 0 and 5000"),
                              ({"onError": "explode"}, "onError must be one of"), ({"retryOnFail": 1}, "wrong type"),
                              ({"maxTries": True}, "wrong type"), ({"colour": 1}, "Unknown node setting 'colour'"),
                              ({"color": 2}, "Only sticky notes have a color")]:
        with pytest.raises(GraphError, match=message):
            graph.set_node_settings("If", **settings)


def test_a_sticky_note_color_is_a_parameter_as_in_n8n():
    graph = graph_with("knotwork.stickyNote")
    graph.set_node_settings("Sticky Note", color=4)
    assert graph.node("Sticky Note")["parameters"] == {"color": 4}
    with pytest.raises(GraphError, match="between 1 and 7"):
        graph.set_node_settings("Sticky Note", color=8)


def test_leaving_continue_error_output_drops_the_error_output_connections():
    graph = chain()
    graph.set_node_settings("If", onError="continueErrorOutput")
    graph.connect("If", 2, "Edit Fields", 0)
    graph.set_node_settings("If", onError="continueRegularOutput")
    assert Link("If", 2, "Edit Fields", 0) not in graph.links()
    assert Link("If", 0, "Edit Fields", 0) in graph.links()


def test_workflow_name_and_settings():
    graph = EditorGraph(REGISTRY)
    assert graph.name == "My workflow" and graph.to_json()["settings"] == {"executionOrder": "v1"}
    graph.set_workflow_name("  Orders  ")
    graph.set_settings({"executionOrder": "v1", "timezone": "Europe/Berlin"})
    assert graph.name == "Orders" and graph.to_json()["settings"]["timezone"] == "Europe/Berlin"
    with pytest.raises(GraphError):
        graph.set_workflow_name("")
    with pytest.raises(GraphError):
        graph.set_settings([])  # type: ignore[arg-type]


# ---- rename -----------------------------------------------------------------------------------
def test_rename_moves_connections_pinned_data_and_references_in_expressions():
    graph = chain()
    workflow = graph.to_json()
    workflow["pinData"] = {"If": [{"json": {}}]}
    graph = EditorGraph.from_json(workflow, REGISTRY)
    graph.set_parameters("Edit Fields", {
        "assignments": {"assignments": [
            {"name": "a", "value": "={{ $('If').item.json.x }} and {{ $(\"If\").first() }}"},
            {"name": "b", "value": "={{ $node[\"If\"].json.y + $node['If'].json.z + $node.If.json.w }}"},
            {"name": "c", "value": "={{ $items(\"If\", 0) }} {{ $items('If') }} {{ $('Iffy') }} {{ $node.Iffy }}"},
            {"name": "d", "value": "$('If') is plain text, not an expression"},
        ]},
    })
    graph.rename("If", "Check order")
    assigned = [a["value"] for a in graph.node("Edit Fields")["parameters"]["assignments"]["assignments"]]
    assert assigned == [
        "={{ $('Check order').item.json.x }} and {{ $(\"Check order\").first() }}",
        "={{ $node[\"Check order\"].json.y + $node['Check order'].json.z + $node[\"Check order\"].json.w }}",
        "={{ $items(\"Check order\", 0) }} {{ $items('Check order') }} {{ $('Iffy') }} {{ $node.Iffy }}",
        "$('If') is plain text, not an expression",
    ]
    assert Link("Manual Trigger", 0, "Check order", 0) in graph.links()
    assert Link("Check order", 0, "Edit Fields", 0) in graph.links()
    assert list(graph.to_json()["pinData"]) == ["Check order"]
    parse_workflow(graph.to_json(), REGISTRY)  # still a valid workflow


def test_rename_keeps_dot_access_when_the_new_name_is_an_identifier_and_escapes_quotes():
    assert rename_references("={{ $node.Old.json }}", {"Old": "New_1"}) == "={{ $node.New_1.json }}"
    assert rename_references("={{ $('Old') }}", {"Old": "It's"}) == "={{ $('It\\'s') }}"
    assert rename_references("={{ $('It\\'s') }}", {"It's": "Plain"}) == "={{ $('Plain') }}"
    assert rename_references({"a": ["={{ $('A') }}", 1, None]}, {"A": "B", "B": "C"}) == {"a": ["={{ $('B') }}", 1, None]}


def test_rename_rewrites_the_code_of_code_nodes_too():
    graph = graph_with("knotwork.noOp", "knotwork.code")
    graph.set_parameters("Code", {"pythonCode": "return _('No Operation, do nothing').all()",
                                  "jsCode": "return $(\"No Operation, do nothing\").all()"})
    graph.rename("No Operation, do nothing", "Source")
    assert graph.node("Code")["parameters"] == {"pythonCode": "return _('Source').all()",
                                                "jsCode": "return $(\"Source\").all()"}


def test_rename_refusals():
    graph = EditorGraph.from_json(chain().to_json(), REGISTRY)
    with pytest.raises(GraphError, match="already a node named 'If'"):
        graph.rename("Edit Fields", "If")
    with pytest.raises(GraphError, match="must not be empty"):
        graph.rename("If", " ")
    with pytest.raises(GraphError, match="no node named 'Nope'"):
        graph.rename("Nope", "X")
    graph.rename("If", "If")  # no change, no undo step
    assert not graph.dirty and not graph.can_undo


# ---- copy, paste, duplicate -------------------------------------------------------------------
def test_copy_gives_n8n_clipboard_json_restricted_to_the_selection():
    graph = chain()
    clip = json.loads(graph.copy(["If", "Edit Fields"]))
    assert [node["name"] for node in clip["nodes"]] == ["If", "Edit Fields"]
    assert clip["connections"] == {"If": {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]}}
    with pytest.raises(GraphError, match="no node named 'Nope'"):
        graph.copy(["Nope"])


def test_paste_renames_clashes_and_rewires_the_pasted_connections_and_expressions():
    graph = chain()
    graph.set_parameters("Edit Fields", {"value": "={{ $('If').item.json.a }}"})
    clip = graph.copy(["If", "Edit Fields"])
    new = graph.paste(clip, (0, 300))
    assert new == ["If1", "Edit Fields1"]
    assert Link("If1", 0, "Edit Fields1", 0) in graph.links()
    assert graph.node("If1")["position"] == [200, 300]
    assert graph.node("Edit Fields1")["parameters"] == {"value": "={{ $('If1').item.json.a }}"}
    assert graph.node("If1")["id"] != graph.node("If")["id"]
    assert graph.paste(clip, at=(1000, 1000)) == ["If2", "Edit Fields2"]
    assert graph.node("If2")["position"] == [1000, 1000] and graph.node("Edit Fields2")["position"] == [1200, 1000]


def test_paste_accepts_a_whole_n8n_workflow_export():
    export = [{"name": "Imported", "nodes": [
        {"id": "x", "name": "Start here", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0]},
        {"id": "y", "name": "Set", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "webhookId": "same", "parameters": {}}],
        "connections": {"Start here": {"main": [[{"node": "Set", "type": "main", "index": 0},
                                                {"node": "Nowhere", "type": "main", "index": 0}]]},
                        "Set": {"main": [[{"node": "Set", "type": "main", "index": 5}]]}},
        "pinData": {"Set": [{"json": {"a": 1}}]}}]
    graph = EditorGraph(REGISTRY)
    assert graph.paste(json.dumps(export)) == ["Start here", "Set"]
    assert graph.links() == [Link("Start here", 0, "Set", 0)]  # impossible connections left out
    assert graph.to_json()["pinData"] == {"Set": [{"json": {"a": 1}}]}
    assert graph.node("Set")["webhookId"] != "same"


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "does not hold n8n workflow JSON"),
    ('{"nodes": []}', "does not hold n8n nodes"),
    ('{"nodes": [{"name": "A", "type": "acme.nope"}]}', "Unknown node type 'acme.nope'"),
    ('{"nodes": [{"name": "A", "type": "knotwork.set", "typeVersion": 9}]}', "typeVersion 9; supported versions: 1, 2"),
    ('{"nodes": [{"type": "knotwork.set"}]}', "Every node needs a name"),
    ('{"nodes": [{"name": "A"}]}', "Node 'A' has no type"),
    ('{"nodes": [{"name": "A", "type": "knotwork.noOp"}, {"name": "A", "type": "knotwork.noOp"}]}', "name 'A' twice"),
])
def test_paste_refusals_leave_the_graph_unchanged(text, message):
    graph = chain()
    before = graph.to_json()
    with pytest.raises(GraphError, match=message):
        graph.paste(text)
    assert graph.to_json() == before and not graph.dirty


def test_duplicate_copies_nodes_with_their_inner_connections_next_to_them():
    graph = chain()
    assert graph.duplicate(["If", "Edit Fields"]) == ["If1", "Edit Fields1"]
    assert Link("If1", 0, "Edit Fields1", 0) in graph.links()
    assert Link("Manual Trigger", 0, "If1", 0) not in graph.links()
    assert graph.node("If1")["position"] == [240, 40]
    assert graph.duplicate("If") == ["If2"]
    with pytest.raises(GraphError, match="no node named 'Nope'"):
        graph.duplicate(["Nope"])


# ---- undo, redo, dirty, JSON in and out ---------------------------------------------------------
def test_undo_redo_and_the_dirty_flag():
    graph = EditorGraph.from_json(chain().to_json(), REGISTRY)
    assert not graph.dirty
    graph.add_node("knotwork.noOp", (0, 0))
    graph.rename("If", "Check")
    assert graph.dirty and graph.can_undo
    assert graph.undo() and graph.names() == ["Manual Trigger", "If", "Edit Fields", "No Operation, do nothing"]
    assert graph.undo() and graph.names() == ["Manual Trigger", "If", "Edit Fields"] and not graph.dirty
    assert not graph.undo()
    assert graph.redo() and graph.redo() and graph.names()[1] == "Check" and not graph.redo()
    graph.mark_saved()
    assert not graph.dirty
    graph.undo()
    graph.set_disabled(["If"], True)  # a new change forgets what could be redone
    assert not graph.can_redo and graph.dirty


def test_from_json_normalises_ids_and_drops_dangling_connections():
    workflow = {"name": "W", "nodes": [
        {"name": "A", "type": "knotwork.noOp", "typeVersion": 1, "id": "same", "position": [1, 2]},
        {"name": "B", "type": "knotwork.noOp", "typeVersion": 1, "id": "same"},
        {"name": "C", "type": "knotwork.noOp", "typeVersion": 1, "id": "bad\"id", "parameters": None}],
        "connections": {"A": {"main": [[{"node": "B", "type": "main", "index": 0},
                                        {"node": "Gone", "type": "main", "index": 0}]]},
                        "Gone": {"main": [[{"node": "A", "type": "main", "index": 0}]]}},
        "staticData": {"global": {"last": 3}}, "meta": {"instanceId": "i"}}
    graph = EditorGraph.from_json([workflow], REGISTRY)
    data = graph.to_json()
    ids = [node["id"] for node in data["nodes"]]
    assert ids[0] == "same" and len(set(ids)) == 3 and '"' not in ids[2]
    assert data["nodes"][1]["position"] == [0, 0] and data["nodes"][2]["parameters"] == {}
    assert graph.links() == [Link("A", 0, "B", 0)]
    assert data["staticData"] == {"global": {"last": 3}} and data["meta"] == {"instanceId": "i"}
    assert not graph.dirty
    data["nodes"].clear()
    assert graph.names() == ["A", "B", "C"]  # to_json hands out a copy


@pytest.mark.parametrize(("workflow", "message"), [
    ({"nodes": "x"}, "with a \"nodes\" list"),
    ([], "with a \"nodes\" list"),
    ({"nodes": [{"name": "A", "type": "knotwork.noOp"}, {"name": "A", "type": "knotwork.noOp"}]}, "unique.*A"),
    ({"nodes": [{"name": "", "type": "knotwork.noOp"}]}, "Every node needs a name"),
])
def test_from_json_refuses_what_is_not_a_workflow(workflow, message):
    with pytest.raises(GraphError, match=message):
        EditorGraph.from_json(workflow, REGISTRY)


def test_an_edited_workflow_is_valid_for_the_engine():
    graph = chain()
    graph.add_node("knotwork.splitInBatches", (600, 0))
    graph.connect("Edit Fields", 0, "Loop Over Items", 0)
    graph.connect("Loop Over Items", 1, "Edit Fields", 0)
    workflow = parse_workflow(graph.to_json(), REGISTRY)
    assert list(workflow.nodes) == ["Manual Trigger", "If", "Edit Fields", "Loop Over Items"]


def test_unique_names_follow_n8n():
    assert unique_name("Set", []) == "Set"
    assert unique_name("Set", ["Set"]) == "Set1"
    assert unique_name("Set", ["Set", "Set1"]) == "Set2"
    assert unique_name("Set1", ["Set", "Set1"]) == "Set2"
    assert unique_name("Set 7", ["Set 7"]) == "Set 8"
    assert unique_name("42", ["42"]) == "43"
