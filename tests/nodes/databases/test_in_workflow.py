"""The database nodes inside a real execution: n8n type names, credentials through the engine's
credentials port, expressions in parameters, and the error recorded on the run."""

from __future__ import annotations

from typing import Any

import psycopg

from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .conftest import POSTGRES

REGISTRY = NodeRegistry.from_entry_points()


def workflow(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"name": "pg", "settings": {"executionOrder": "v1"}, "nodes": [
        {"id": "1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}},
        {"id": "3", "name": "Postgres", "type": "n8n-nodes-base.postgres", "typeVersion": 2.6, "position": [400, 0],
         "parameters": parameters, "credentials": {"postgres": {"id": "c1", "name": "Test PG"}}},
    ], "connections": {
        "Start": {"main": [[{"node": "Postgres", "type": "main", "index": 0}]]},
    }}


async def run(parameters: dict[str, Any]) -> Any:
    services = Services(credentials=InMemoryCredentials({"c1": dict(POSTGRES)}))
    items = [Item({"who": "ann", "age": 30}), Item({"who": "o'brien", "age": 40})]
    return await execute_workflow(parse_workflow(workflow(parameters), REGISTRY), REGISTRY, services=services,
                                  start_node="Postgres", start_items=items)


async def test_query_with_expression_parameters_per_item(pg: psycopg.Connection[Any]) -> None:
    # Given a query whose parameters are expressions over each item (one holds a quote)
    result = await run({"operation": "executeQuery", "query": "SELECT $1::text AS who, $2::int * 2 AS twice",
                        "options": {"queryReplacement": "={{ [$json.who, $json.age] }}"}})
    # Then each item's values go as parameters and the rows pair with their items
    assert result.status == "success", result.error
    out = result.output_of("Postgres")
    assert [item.json for item in out] == [{"who": "ann", "twice": 60}, {"who": "o'brien", "twice": 80}]
    assert [item.paired for item in out] == [(0, 0), (1, 0)]


async def test_a_failing_query_fails_the_run_with_the_database_message(pg: psycopg.Connection[Any]) -> None:
    result = await run({"operation": "executeQuery", "query": "SELECT * FROM kw_no_such_table"})
    assert result.status == "error"
    assert 'relation "kw_no_such_table" does not exist' in str(result.error)


async def test_replacement_expressions_are_evaluated_part_by_part(pg: psycopg.Connection[Any]) -> None:
    # Given parts that evaluate to text holding commas and quotes
    result = await run({"operation": "executeQuery", "query": "SELECT $1::text AS a, $2::text AS b",
                        "options": {"queryReplacement": "={{ $json.who + ', jr' }}, {{ $json.age }}"}})
    # Then each part is one value
    assert result.status == "success", result.error
    assert [item.json for item in result.output_of("Postgres")] == [{"a": "ann, jr", "b": "30"},
                                                                   {"a": "o'brien, jr", "b": "40"}]
