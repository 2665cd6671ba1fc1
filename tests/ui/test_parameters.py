"""The parameter form: generated from real node descriptions, storing what n8n stores, switching
between fixed values and expressions, and reporting each edit with the whole parameter dict."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from nicegui import ui
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from engine.node_api import NodeDescription
from engine.registry import NodeRegistry
from ui.editor.expression import ExpressionContext, MappedField
from ui.editor.parameter_values import (
    clean_parameters,
    coerce_side,
    filter_options,
    to_expression,
    to_fixed,
    validate,
    visible_parameters,
)
from ui.editor.parameters import ParameterForm

Changes = list[dict[str, Any]]


def describe(registry: NodeRegistry, type_name: str) -> NodeDescription:
    node_type = registry.resolve(type_name)
    assert node_type is not None
    return node_type.description


@asynccontextmanager
async def open_page(root: Callable[[], None]) -> AsyncIterator[User]:
    """A simulated browser on a page that only holds what `root` builds."""
    async with user_simulation(root) as user:
        await user.open("/")
        yield user


@asynccontextmanager
async def open_form(
    description: NodeDescription, parameters: dict[str, Any], version: float, changes: Changes
) -> AsyncIterator[tuple[User, dict[str, Any]]]:
    """The form alone; `changes` receives every reported parameter dict."""
    built: dict[str, Any] = {}

    def root() -> None:
        context = ExpressionContext({"nodes": []}, None, {"name": "Node", "parameters": parameters})
        built["context"] = context
        built["form"] = ParameterForm(
            description, parameters, version, expressions=context,
            on_change=lambda values, immediate: changes.append(values),
        )

    async with open_page(root) as user:
        yield user, built


def element(user: User, marker: str) -> Any:
    found = user.find(marker=marker).elements
    assert len(found) == 1, f"{len(found)} elements marked {marker!r}"
    return next(iter(found))


def set_value(user: User, marker: str, value: Any) -> None:
    """What a person picking a choice does: the element's value changes, its handlers run."""
    with user:
        element(user, marker).value = value


# ---- pure rules -------------------------------------------------------------------------------------


def test_defaults_are_omitted_hidden_values_dropped_and_unknown_keys_kept(registry: NodeRegistry) -> None:
    description = describe(registry, "n8n-nodes-base.set")
    stored = clean_parameters(
        description.parameters,
        {"mode": "manual", "jsonOutput": "{}", "includeOtherFields": False, "customThing": 1,
         "assignments": {"assignments": []}},
        3.4,
    )
    assert stored == {"assignments": {"assignments": []}, "options": {}, "customThing": 1}


def test_fixed_collection_entries_omit_their_defaults(registry: NodeRegistry) -> None:
    description = describe(registry, "n8n-nodes-base.set")
    stored = clean_parameters(
        description.parameters,
        {"fields": {"values": [{"name": "foo", "type": "stringValue", "stringValue": "bar", "numberValue": "7"}]}},
        3.2,
    )
    assert stored["fields"] == {"values": [{"name": "foo", "stringValue": "bar"}]}


def test_display_rules_use_defaults_of_omitted_siblings(registry: NodeRegistry) -> None:
    description = describe(registry, "n8n-nodes-base.set")
    manual = [p.name for p in visible_parameters(description.parameters, {}, 3.4)]
    raw = [p.name for p in visible_parameters(description.parameters, {"mode": "raw"}, 3.4)]
    assert "assignments" in manual and "jsonOutput" not in manual
    assert "jsonOutput" in raw and "assignments" not in raw


def test_validation_messages(registry: NodeRegistry) -> None:
    loop = describe(registry, "n8n-nodes-base.splitInBatches")
    batch = next(p for p in loop.parameters if p.name == "batchSize")
    assert validate(batch, 0) == "Batch Size must be at least 1"
    assert validate(batch, 3) is None
    assert validate(batch, "={{ 0 }}") is None
    stop = describe(registry, "n8n-nodes-base.stopAndError")
    message = next(p for p in stop.parameters if p.name == "errorMessage")
    assert validate(message, "") == "Error Message is required"
    json_output = next(p for p in describe(registry, "n8n-nodes-base.set").parameters if p.name == "jsonOutput")
    assert (validate(json_output, '{"a": }') or "").startswith("Invalid JSON")


def test_switching_between_fixed_and_expression(registry: NodeRegistry) -> None:
    loop = describe(registry, "n8n-nodes-base.splitInBatches")
    batch = next(p for p in loop.parameters if p.name == "batchSize")
    assert to_expression("hello") == "=hello"
    assert to_expression(5) == "={{ 5 }}"
    assert to_fixed(batch, "={{ 5 }}", lambda text: (True, 5)) == 5
    assert to_fixed(batch, "={{ $json.size }}", lambda text: (False, "no data")) == 1  # the default


def test_filter_sides_are_typed_for_their_operator_and_options_follow_the_node() -> None:
    assert coerce_side("5", "number") == 5
    assert coerce_side("true", "boolean") is True
    assert coerce_side("={{ $json.a }}", "number") == "={{ $json.a }}"
    assert filter_options({"looseTypeValidation": True, "options": {"ignoreCase": True}}, 2.2) == {
        "caseSensitive": False, "leftValue": "", "typeValidation": "loose", "version": 2,
    }
    assert filter_options({}, 2.0)["typeValidation"] == "strict"


# ---- the forms of the core nodes -----------------------------------------------------------------------


async def test_set_form_renders_its_defaults(registry: NodeRegistry) -> None:
    async with open_form(describe(registry, "n8n-nodes-base.set"), {}, 3.4, []) as (user, _):
        await user.should_see("Manual Mapping")
        await user.should_see("Fields to Set")
        await user.should_see("Include Other Input Fields")
        await user.should_see(marker="add:assignments")
        await user.should_not_see("JSON Output")
        assert element(user, "param:includeOtherFields").value is False


async def test_if_form_starts_with_one_condition(registry: NodeRegistry) -> None:
    async with open_form(describe(registry, "n8n-nodes-base.if"), {}, 2.2, []) as (user, _):
        await user.should_see("String: is equal to")
        await user.should_see(marker="param:conditions.conditions[0].leftValue")
        await user.should_see(marker="param:conditions.conditions[0].rightValue")
        await user.should_see("Convert types where required")


async def test_merge_form_shows_mode_and_inputs(registry: NodeRegistry) -> None:
    async with open_form(describe(registry, "n8n-nodes-base.merge"), {}, 3.2, []) as (user, _):
        assert element(user, "param:mode").value == "append"
        assert element(user, "param:numberInputs").value == 2
        await user.should_not_see("Combine By")


async def test_loop_code_and_noop_forms(registry: NodeRegistry) -> None:
    async with open_form(describe(registry, "n8n-nodes-base.splitInBatches"), {}, 3.0, []) as (user, _):
        await user.should_see("You may not need this node")
        assert element(user, "param:batchSize").value == 1
        await user.should_see(marker="add:options")
    code = describe(registry, "n8n-nodes-base.code")
    async with open_form(code, {}, 2.0, []) as (user, _):
        editor = element(user, "param:pythonCode")
        assert isinstance(editor, ui.codemirror)
        assert editor.value == next(p.default for p in code.parameters if p.name == "pythonCode")
    async with open_form(describe(registry, "n8n-nodes-base.noOp"), {}, 1.0, []) as (user, _):
        await user.should_see("This node has no parameters.")


async def test_display_conditions_follow_an_options_change(registry: NodeRegistry) -> None:
    changes: Changes = []
    async with open_form(describe(registry, "n8n-nodes-base.merge"), {}, 3.2, changes) as (user, _):
        set_value(user, "param:mode", "combine")
        await user.should_see("Combine By")
        assert changes[-1]["mode"] == "combine"  # (Merge v3.2 also stores its empty options)
        set_value(user, "param:mode", "chooseBranch")
        await user.should_not_see("Combine By")
        await user.should_see("Use Data of Input")
    changes.clear()
    async with open_form(describe(registry, "n8n-nodes-base.set"), {}, 3.4, changes) as (user, _):
        set_value(user, "param:mode", "raw")
        await user.should_see("JSON Output")
        await user.should_not_see(marker="add:assignments")
        assert changes[-1]["mode"] == "raw" and "assignments" not in changes[-1]


async def test_typing_reports_the_whole_parameter_dict_with_validation(registry: NodeRegistry) -> None:
    changes: Changes = []
    async with open_form(describe(registry, "n8n-nodes-base.splitInBatches"), {}, 3.0, changes) as (user, _):
        user.find(marker="param:batchSize").clear().type("0")
        await user.should_see("Batch Size must be at least 1")
        user.find(marker="param:batchSize").clear().type("5")
        await user.should_not_see("Batch Size must be at least 1")
        assert changes[-1] == {"batchSize": 5, "options": {}}


async def test_collection_options_are_added_and_removed(registry: NodeRegistry) -> None:
    changes: Changes = []
    async with open_form(describe(registry, "n8n-nodes-base.splitInBatches"), {}, 3.0, changes) as (user, _):
        set_value(user, "add:options", "reset")
        await user.should_see("Reset")
        assert changes[-1] == {"options": {"reset": False}}
        user.find(marker="param:options.reset").click()
        assert changes[-1] == {"options": {"reset": True}}
        user.find(marker="remove:options.reset").click()
        assert changes[-1] == {"options": {}}


async def test_switching_a_parameter_to_an_expression_and_back(registry: NodeRegistry) -> None:
    changes: Changes = []
    description = describe(registry, "n8n-nodes-base.stopAndError")
    async with open_form(description, {"errorMessage": "hello"}, 1.0, changes) as (user, _):
        set_value(user, "mode:errorMessage", True)
        assert changes[-1] == {"errorMessage": "=hello"}
        await user.should_see("Result: hello")
        user.find(marker="param:errorMessage").type(" {{ 1 + 2 }}")
        assert changes[-1] == {"errorMessage": "=hello {{ 1 + 2 }}"}
        await user.should_see("Result: hello 3")
        set_value(user, "mode:errorMessage", False)
        assert changes[-1] == {"errorMessage": "hello 3"}
        assert element(user, "param:errorMessage").value == "hello 3"


async def test_assignments_are_added_typed_and_edited(registry: NodeRegistry) -> None:
    changes: Changes = []
    async with open_form(describe(registry, "n8n-nodes-base.set"), {}, 3.4, changes) as (user, _):
        user.find(marker="add:assignments").click()
        user.find(marker="param:assignments.assignments[0].name").type("total")
        set_value(user, "type:assignments.assignments[0]", "number")
        user.find(marker="param:assignments.assignments[0].value").clear().type("12")
        assignment = changes[-1]["assignments"]["assignments"][0]
        assert {k: assignment[k] for k in ("name", "type", "value")} == {"name": "total", "type": "number", "value": 12}
        assert assignment["id"]


async def test_filter_conditions_are_edited_as_rows(registry: NodeRegistry) -> None:
    changes: Changes = []
    async with open_form(describe(registry, "n8n-nodes-base.if"), {}, 2.2, changes) as (user, _):
        set_value(user, "mode:conditions.conditions[0].leftValue", True)
        user.find(marker="param:conditions.conditions[0].leftValue").type("{{ $json.age }}")
        set_value(user, "operator:conditions.conditions[0]", "number:gt")
        user.find(marker="param:conditions.conditions[0].rightValue").type("17")
        user.find(marker="add:conditions").click()
        set_value(user, "operator:conditions.conditions[1]", "boolean:true")
        await user.should_not_see(marker="param:conditions.conditions[1].rightValue")
        filter_value = changes[-1]["conditions"]
        first, second = filter_value["conditions"]
        assert first["leftValue"] == "={{ $json.age }}"
        assert first["operator"] == {"type": "number", "operation": "gt"}
        assert first["rightValue"] == 17
        assert second["operator"] == {"type": "boolean", "operation": "true", "singleValue": True}
        assert filter_value["combinator"] == "and"
        assert filter_value["options"] == {"caseSensitive": True, "leftValue": "", "typeValidation": "strict",
                                           "version": 2}


async def test_a_dropped_field_becomes_an_expression(registry: NodeRegistry) -> None:
    changes: Changes = []
    description = describe(registry, "n8n-nodes-base.set")
    async with open_form(description, {}, 3.4, changes) as (user, built):
        mapping = built["context"].mapping
        mapping.start_drag(MappedField("{{ $json.email }}", "email", "string"))
        user.find(marker="drop:assignments").trigger("drop")
        assignment = changes[-1]["assignments"]["assignments"][0]
        assert (assignment["name"], assignment["value"], assignment["type"]) == ("email", "={{ $json.email }}", "string")
        mapping.start_drag(MappedField("{{ $json.name }}", "name", "string"))
        user.find(marker="drop:assignments.assignments[0].value").trigger("drop")
        assert changes[-1]["assignments"]["assignments"][0]["value"] == "={{ $json.email }}{{ $json.name }}"
        assert len(changes[-1]["assignments"]["assignments"]) == 1


async def test_read_only_forms_cannot_be_edited(registry: NodeRegistry) -> None:
    def root() -> None:
        context = ExpressionContext({"nodes": []}, None, {"name": "Node"})
        ParameterForm(describe(registry, "n8n-nodes-base.set"), {}, 3.4, expressions=context,
                      on_change=lambda values, immediate: None, read_only=True)

    async with open_page(root) as user:
        assert not element(user, "param:mode").enabled
        await user.should_not_see(marker="add:assignments")
