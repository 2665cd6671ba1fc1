"""Every node type the palette offers builds its parameter form, for each of its versions and, for
nodes with resources and operations (the app nodes, Redis, the databases...), for every pair of them."""

from __future__ import annotations

from typing import Any

from engine.node_api import NodeDescription, Parameter
from engine.registry import NodeRegistry
from ui.editor.expression import ExpressionContext
from ui.editor.parameter_values import visible_parameters
from ui.editor.parameters import ParameterForm

from .test_parameters import open_page

REGISTRY = NodeRegistry.from_entry_points()
PALETTE = sorted((d for d in REGISTRY.descriptions() if not d.hidden), key=lambda d: d.name)


def choices(parameters: tuple[Parameter, ...], name: str, values: dict[str, Any], version: float) -> list[Any]:
    """The values an options parameter `name` offers with these sibling values."""
    found = [p for p in visible_parameters(parameters, values, version) if p.name == name and p.type == "options"]
    return [option.value for option in found[0].options] if found else []


def variants(description: NodeDescription) -> list[tuple[float, dict[str, Any]]]:
    """(version, parameters) for every version, times every resource and operation it offers."""
    found = []
    for version in description.versions:
        resources = choices(description.parameters, "resource", {}, version) or [None]
        for resource in resources:
            base = {} if resource is None else {"resource": resource}
            operations = choices(description.parameters, "operation", base, version) or [None]
            found += [(version, base if operation is None else {**base, "operation": operation})
                      for operation in operations]
    return found


def test_the_palette_offers_the_integrations() -> None:
    names = {d.name for d in PALETTE}
    for expected in ("knotwork.httpRequest", "knotwork.postgres", "knotwork.rabbitmq", "knotwork.mqttTrigger",
                     "knotwork.emailSend", "knotwork.emailReadImap", "knotwork.slack", "knotwork.openAi"):
        assert any(name.lower() == expected.lower() for name in names), expected


async def test_every_palette_node_builds_its_form() -> None:
    """All forms on one page (one simulated browser is most of a test's cost); a failure names the node."""
    built: list[tuple[str, ParameterForm]] = []

    def root() -> None:
        for description in PALETTE:
            for version, parameters in variants(description):
                context = ExpressionContext({"nodes": []}, None, {"name": "Node", "parameters": parameters})
                try:
                    form = ParameterForm(description, parameters, version, expressions=context,
                                         on_change=lambda values, immediate: None)
                except Exception as error:
                    raise AssertionError(f"{description.name} v{version} {parameters}: {error!r}") from error
                built.append((description.name, form))

    async with open_page(root):
        assert {name for name, _ in built} == {d.name for d in PALETTE}
        assert len(built) == sum(len(variants(d)) for d in PALETTE)
        for name, form in built:
            assert isinstance(form.values(), dict), name
