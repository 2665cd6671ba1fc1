"""The HTTP Request description: versions, n8n alias, parameters shown per version, defaults of
omitted parameters, credential slots, and the credential types it signs with."""

from __future__ import annotations

import pytest

from engine.node_api import Parameter
from engine.registry import NodeRegistry, validate_description
from nodes.http import NODE_TYPES
from nodes.http.auth import credential_types
from nodes.http.params_v3 import GENERIC_AUTH_TYPES

NODE = NODE_TYPES[0]()


def visible(version: float, values: dict[str, object] | None = None) -> set[str]:
    """Parameters shown for `values`, omitted siblings holding their defaults (as the editor does)."""
    params: tuple[Parameter, ...] = NODE.description.parameters
    filled: dict[str, object] = {}
    for parameter in params:
        if version in (parameter.show or {}).get("@version", (version,)):
            filled.setdefault(parameter.name, parameter.default)
    filled.update(values or {})
    return {p.name for p in params if p.visible(filled, version)}


def test_description_is_valid_and_resolves_every_n8n_version(registry: NodeRegistry) -> None:
    validate_description(NODE.description)
    assert NODE.description.versions == (1.0, 2.0, 3.0, 4.0, 4.1, 4.2)
    assert NODE.description.default_version == 4.2
    assert type(registry.resolve("n8n-nodes-base.httpRequest")) is type(NODE)


@pytest.mark.parametrize("version", [3.0, 4.0, 4.1, 4.2])
def test_v3_layout_is_shown_for_v3_and_later(version: float) -> None:
    shown = visible(version, {"sendQuery": True, "sendBody": True})
    assert {"method", "url", "authentication", "sendQuery", "queryParameters", "sendBody", "bodyParameters",
            "options"} <= shown
    assert not shown & {"requestMethod", "queryParametersUi", "jsonParameters", "responseFormat"}


@pytest.mark.parametrize("version", [1.0, 2.0])
def test_legacy_layout_is_shown_for_v1_and_v2(version: float) -> None:
    shown = visible(version)
    assert {"requestMethod", "url", "responseFormat", "jsonParameters", "queryParametersUi", "options"} <= shown
    assert not shown & {"method", "sendQuery", "sendBody"}


def test_only_v42_offers_lowercase_headers() -> None:
    options = next(p for p in NODE.description.parameters if p.name == "options" and p.visible({}, 4.2))
    lowercase = next(f for f in options.fields if f.name == "lowercaseHeaders")
    assert lowercase.visible({}, 4.2) and not lowercase.visible({}, 4.1)


def test_every_generic_auth_type_is_a_registered_credential_type_that_signs() -> None:
    for _, name in GENERIC_AUTH_TYPES:
        assert credential_types().get(name).authenticate is not None, name
    slots = {slot.name for slot in NODE.description.credentials}
    assert {name for _, name in GENERIC_AUTH_TYPES} <= slots
