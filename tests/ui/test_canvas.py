"""WorkflowCanvas in NiceGUI's simulated browser: events from Vue Flow change the EditorGraph, the
canvas sends the graph's model back, refusals notify and change nothing. canvas_model and the run
status are checked as plain functions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from engine.registry import NodeRegistry
from ui.editor.canvas import WorkflowCanvas, canvas_model, render_markdown, status_from_run_data
from ui.editor.graph import EditorGraph, Link

REGISTRY = NodeRegistry.from_entry_points()
Opener = Callable[..., Any]


def sample_graph() -> EditorGraph:
    """Manual Trigger -> If -(true)-> Edit Fields, and a sticky note."""
    graph = EditorGraph(REGISTRY)
    graph.add_node("knotwork.manualTrigger", (0, 0))
    graph.add_node("knotwork.if", (200, 0))
    graph.add_node("knotwork.set", (400, 0))
    graph.add_node("knotwork.stickyNote", (0, -200), parameters={"content": "**Hi** <img src=x onerror=alert(1)>"})
    graph.connect("Manual Trigger", 0, "If", 0)
    graph.connect("If", 0, "Edit Fields", 0)
    graph.mark_saved()
    return graph


class Page:
    """What the test page built: the graph, the canvas and what its callbacks received."""

    def __init__(self, graph: EditorGraph) -> None:
        self.graph = graph
        self.canvas: WorkflowCanvas
        self.calls: list[tuple[str, Any]] = []


@pytest.fixture
async def open_canvas() -> AsyncIterator[Opener]:
    """open_canvas(graph, read_only=False) -> (user, Page) on a page holding only the canvas."""
    async with user_simulation() as user:
        async def open_page(graph: EditorGraph, *, read_only: bool = False) -> tuple[User, Page]:
            page = Page(graph)

            @ui.page("/canvas")
            def canvas_page() -> None:
                page.canvas = WorkflowCanvas(
                    graph, read_only=read_only,
                    on_change=lambda: page.calls.append(("change", None)),
                    on_open=lambda name: page.calls.append(("open", name)),
                    on_save=lambda: page.calls.append(("save", None)),
                    on_selection=lambda names: page.calls.append(("selection", names)))

            await user.open("/canvas")
            return user, page

        yield open_page


def trigger(user: User, event: str, args: dict[str, Any]) -> None:
    user.find(WorkflowCanvas).trigger(event, args)


def edge(source: str, output: int, target: str, input: int = 0) -> dict[str, Any]:
    return {"source": source, "sourceHandle": f"out-{output}", "target": target, "targetHandle": f"in-{input}"}


def drawn_names(page: Page) -> list[str]:
    return [node["data"]["name"] for node in page.canvas.props["nodes"]]


# ---- the model ----------------------------------------------------------------------------------
def test_the_model_draws_nodes_by_id_with_labelled_ports_and_edges_between_handles():
    graph = sample_graph()
    model = canvas_model(graph)
    by_name = {node["data"]["name"]: node for node in model["nodes"]}
    trigger_node, if_node = by_name["Manual Trigger"], by_name["If"]
    assert trigger_node["id"] == graph.node("Manual Trigger")["id"] and trigger_node["type"] == "knotwork"
    assert trigger_node["position"] == {"x": 0, "y": 0}
    assert trigger_node["data"]["inputs"] == [] and trigger_node["data"]["trigger"] is True
    assert if_node["data"]["outputs"] == ["true", "false"] and if_node["data"]["icon"] == "alt_route"
    assert by_name["Edit Fields"]["data"]["subtitle"] == ""  # the name already says it
    assert model["edges"][1] == {
        "id": f"{if_node['id']}:0:{by_name['Edit Fields']['id']}:0", "type": "knotwork",
        "source": if_node["id"], "sourceHandle": "out-0", "target": by_name["Edit Fields"]["id"], "targetHandle": "in-0",
        "data": {"source": "If", "target": "Edit Fields", "label": "", "state": ""},
    }


def test_names_travel_as_plain_text_and_sticky_markdown_is_escaped():
    graph = sample_graph()
    graph.rename("If", "<img src=x onerror=alert(1)>")
    model = canvas_model(graph)
    by_type = {node["type"]: node for node in model["nodes"]}
    assert "<img src=x onerror=alert(1)>" in [node["data"]["name"] for node in model["nodes"]]
    assert "html" not in by_type["knotwork"]["data"]  # only sticky notes carry HTML, and it is sanitised
    sticky = by_type["sticky"]
    assert sticky["data"]["html"] == "<p><strong>Hi</strong> &lt;img src=x onerror=alert(1)&gt;</p>\n"
    assert (sticky["data"]["width"], sticky["data"]["height"], sticky["data"]["color"], sticky["zIndex"]) == (240, 160, 1, -1)
    assert render_markdown("[x](javascript:alert(1))") == '<p><a href="#">x</a></p>\n'


def test_disabled_renamed_unknown_and_error_output_nodes():
    workflow = sample_graph().to_json()
    workflow["nodes"].append({"name": "Thing", "type": "acme.thing", "typeVersion": 1, "position": [0, 300]})
    graph = EditorGraph.from_json(workflow, REGISTRY)
    graph.rename("Edit Fields", "Prepare")
    graph.set_disabled(["Prepare"], True)
    graph.set_node_settings("Prepare", onError="continueErrorOutput", notes="check", notesInFlow=True)
    data = {node["data"]["name"]: node["data"] for node in canvas_model(graph)["nodes"]}
    assert data["Prepare"]["disabled"] is True and data["Prepare"]["subtitle"] == "Edit Fields (Set)"
    assert data["Prepare"]["outputs"] == ["success", "error"] and data["Prepare"]["notes"] == "check"
    assert data["Thing"]["unknown"] is True and data["Thing"]["subtitle"] == "Not installed: acme.thing"


def test_run_status_marks_nodes_and_counts_items_on_edges():
    run_data = {
        "Manual Trigger": [{"data": {"main": [[{"json": {}}]]}}],
        "If": [{"data": {"main": [[{"json": {}}, {"json": {}}], []]}}, {"data": {"main": [[{"json": {}}], [{"json": {}}]]}}],
        "Edit Fields": [{"error": {"message": "Boom"}}],
    }
    status = status_from_run_data(run_data, running=["Edit Fields"])
    assert status["If"] == {"state": "success", "items": [3, 1]}
    assert status["Edit Fields"] == {"state": "running", "items": [], "message": "Boom"}
    model = canvas_model(sample_graph(), status_from_run_data(run_data))
    assert [edge["data"]["label"] for edge in model["edges"]] == ["1 item", "3 items"]
    data = {node["data"]["name"]: node["data"] for node in model["nodes"]}
    assert data["Edit Fields"]["status"] == "error" and data["Edit Fields"]["message"] == "Boom"
    assert data["If"]["items"] == [3, 1]


# ---- events -------------------------------------------------------------------------------------
async def test_the_canvas_draws_the_graph(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    assert drawn_names(page) == ["Manual Trigger", "If", "Edit Fields", "Sticky Note"]
    assert len(page.canvas.props["edges"]) == 2 and page.canvas.props["read-only"] is False


async def test_moving_nodes(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "node_moved", {"positions": {"If": [220, 40], "Edit Fields": [420, 40]}, "drag": "1"})
    assert page.graph.node("If")["position"] == [220, 40]
    assert page.canvas.props["nodes"][1]["position"] == {"x": 220, "y": 40}
    assert page.calls == [("change", None)] and page.graph.dirty


async def test_connecting_and_a_refused_connection(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "connect", {"connection": edge("If", 1, "Edit Fields")})
    assert Link("If", 1, "Edit Fields", 0) in page.graph.links() and len(page.canvas.props["edges"]) == 3
    before = page.graph.to_json()
    trigger(user, "connect", {"connection": edge("Edit Fields", 0, "Manual Trigger")})
    await user.should_see("Node 'Manual Trigger' has no input")
    assert page.graph.to_json() == before and len(page.canvas.props["edges"]) == 3


async def test_malformed_events_are_refused(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    before = page.graph.to_json()
    trigger(user, "connect", {"connection": {"source": "If", "sourceHandle": "x", "target": "Edit Fields"}})
    await user.should_see("Malformed canvas event")
    trigger(user, "connect", {"connection": {**edge("If", 0, "Edit Fields"), "targetHandle": "out-0"}})
    await user.should_see("'out-0' is not an input handle")
    trigger(user, "node_moved", {"positions": {"If": "here"}})
    trigger(user, "nodes_removed", {"nodes": [42]})
    assert page.graph.to_json() == before


async def test_removing_edges_and_nodes(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "edges_removed", {"edges": [edge("If", 0, "Edit Fields")]})
    assert page.graph.links() == [Link("Manual Trigger", 0, "If", 0)]
    trigger(user, "nodes_removed", {"nodes": ["If"]})
    assert drawn_names(page) == ["Manual Trigger", "Edit Fields", "Sticky Note"] and page.canvas.props["edges"] == []
    trigger(user, "edges_removed", {"edges": [edge("If", 0, "Edit Fields")]})
    await user.should_see("There is no connection from 'If'")


async def test_double_click_opens_and_selection_is_reported(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "node_open", {"node": "If"})
    trigger(user, "selection_changed", {"nodes": ["If", "Gone"], "edges": []})
    assert page.calls == [("open", "If"), ("selection", ["If"])] and page.canvas.selection == ["If"]
    trigger(user, "node_open", {"node": "Gone"})
    await user.should_see("There is no node named 'Gone'")


async def test_dropping_a_node_type_on_the_pane_and_on_a_connection(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "drop", {"type": "knotwork.noOp", "position": {"x": 100, "y": 300}})
    assert page.graph.node("No Operation, do nothing")["position"] == [100, 300]
    assert page.canvas.props["selection"]["nodes"] == ["No Operation, do nothing"]
    trigger(user, "drop_on_edge", {"type": "knotwork.code", "position": {"x": 300, "y": 50},
                                   "edge": edge("If", 0, "Edit Fields")})
    assert {Link("If", 0, "Code", 0), Link("Code", 0, "Edit Fields", 0)} <= set(page.graph.links())
    trigger(user, "drop", {"type": "knotwork.nope", "position": {"x": 0, "y": 0}})
    await user.should_see("Unknown node type 'knotwork.nope'")


async def test_resizing_a_sticky_note(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "sticky_resized", {"node": "Sticky Note", "width": 320.4, "height": 10})
    assert page.graph.node("Sticky Note")["parameters"]["width"] == 320
    assert page.graph.node("Sticky Note")["parameters"]["height"] == 60  # not smaller than a line
    trigger(user, "sticky_resized", {"node": "If", "width": 300, "height": 300})
    await user.should_see("'If' is not a sticky note")


async def test_keyboard_copy_cut_paste(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "keyboard", {"action": "copy", "nodes": ["If", "Edit Fields"], "edges": []})
    assert [node["name"] for node in json.loads(page.canvas.clipboard)["nodes"]] == ["If", "Edit Fields"]
    trigger(user, "keyboard", {"action": "paste", "text": page.canvas.clipboard, "position": {"x": 0, "y": 400},
                               "nodes": [], "edges": []})
    assert page.graph.node("If1")["position"] == [0, 400] and Link("If1", 0, "Edit Fields1", 0) in page.graph.links()
    assert page.canvas.props["selection"]["nodes"] == ["If1", "Edit Fields1"]
    trigger(user, "keyboard", {"action": "cut", "nodes": ["If1"], "edges": []})
    assert "If1" not in page.graph.names() and json.loads(page.canvas.clipboard)["nodes"][0]["name"] == "If1"
    trigger(user, "keyboard", {"action": "paste", "text": '{"nodes": [{"name": "X", "type": "acme.x"}]}'})
    await user.should_see("Unknown node type 'acme.x'")


async def test_keyboard_undo_redo_save_delete_duplicate_disable_select_all(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    trigger(user, "keyboard", {"action": "delete", "nodes": ["Edit Fields"], "edges": [edge("Manual Trigger", 0, "If")]})
    assert page.graph.names() == ["Manual Trigger", "If", "Sticky Note"] and page.graph.links() == []
    trigger(user, "keyboard", {"action": "undo"})
    assert "Edit Fields" in drawn_names(page) and len(page.graph.links()) == 2  # one step for both
    trigger(user, "keyboard", {"action": "redo"})
    assert "Edit Fields" not in drawn_names(page)
    trigger(user, "keyboard", {"action": "undo"})
    trigger(user, "keyboard", {"action": "duplicate", "nodes": ["If"], "edges": []})
    assert "If1" in page.graph.names() and page.canvas.props["selection"]["nodes"] == ["If1"]
    trigger(user, "keyboard", {"action": "disable", "nodes": ["If", "If1"], "edges": []})
    assert page.graph.node("If")["disabled"] and page.graph.node("If1")["disabled"]
    trigger(user, "keyboard", {"action": "disable", "nodes": ["If", "If1"], "edges": []})
    assert "disabled" not in page.graph.node("If")
    trigger(user, "keyboard", {"action": "save"})
    trigger(user, "keyboard", {"action": "select_all"})
    assert ("save", None) in page.calls and page.calls[-1] == ("selection", page.graph.names())


async def test_read_only_canvas_refuses_edits_but_copies(open_canvas: Opener):
    user, page = await open_canvas(sample_graph(), read_only=True)
    before = page.graph.to_json()
    assert page.canvas.props["read-only"] is True
    trigger(user, "node_moved", {"positions": {"If": [999, 999]}})
    trigger(user, "connect", {"connection": edge("If", 1, "Edit Fields")})
    trigger(user, "nodes_removed", {"nodes": ["If"]})
    trigger(user, "drop", {"type": "knotwork.noOp", "position": {"x": 0, "y": 0}})
    for action in ("delete", "duplicate", "disable", "undo", "paste"):
        trigger(user, "keyboard", {"action": action, "nodes": ["If"], "edges": [], "text": page.graph.copy(["If"])})
    assert page.graph.to_json() == before and not page.graph.dirty
    trigger(user, "keyboard", {"action": "copy", "nodes": ["If"], "edges": []})
    assert json.loads(page.canvas.clipboard)["nodes"][0]["name"] == "If"
    page.canvas.set_read_only(False)
    trigger(user, "nodes_removed", {"nodes": ["If"]})
    assert "If" not in page.graph.names()


async def test_python_side_refresh_status_and_selection(open_canvas: Opener):
    user, page = await open_canvas(sample_graph())
    page.graph.rename("If", "Check")  # e.g. from the node panel
    page.canvas.refresh()
    assert drawn_names(page)[1] == "Check"
    page.canvas.set_status({"Check": {"state": "success", "items": [2, 0]}})
    assert [edge["data"]["label"] for edge in page.canvas.props["edges"]] == ["", "2 items"]
    page.canvas.select(["Check", "Gone"])
    page.canvas.select(["Edit Fields"])
    assert page.canvas.props["selection"] == {"seq": 2, "nodes": ["Edit Fields"]}
    page.canvas.set_status(None)
    assert page.canvas.props["nodes"][1]["data"]["status"] == ""
