"""SQL text building without a server: identifier quoting, `$1` binding, values, descriptions."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from engine.errors import NodeOperationError
from engine.registry import validate_description
from nodes.databases import NODE_TYPES
from nodes.databases.common import database_message, json_value, locator_value
from nodes.databases.mysql_session import DIALECT as MYSQL
from nodes.databases.postgres_session import DIALECT as POSTGRES
from nodes.databases.sql_query import bind, replacement_values
from nodes.databases.sqlite_session import DIALECT as SQLITE
from tests.nodes.fake import FakeContext, make_node


def ctx(parameters: dict | None = None) -> FakeContext:
    return FakeContext(make_node("knotwork.postgres", 2.6, parameters or {}), [[]])


def test_identifiers_double_their_quote_character() -> None:
    assert POSTGRES.ident('a"b') == '"a""b"'
    assert MYSQL.ident("a`b") == "`a``b`"
    assert POSTGRES.qualified("public", "t%") == '"public"."t%%"'  # %-format drivers read %% as %
    assert SQLITE.ident("t%") == '"t%"'
    with pytest.raises(ValueError):
        POSTGRES.ident("a\x00b")


def test_bind_orders_values_and_leaves_literals_alone() -> None:
    sql, values = bind(ctx(), POSTGRES, "SELECT $2, '$1 %', $1, $1:name FROM t WHERE a LIKE 'x%'", ["col", 5], 0)
    assert sql == "SELECT %s, '$1 %%', %s, \"col\" FROM t WHERE a LIKE 'x%%'"
    assert values == [5, "col"]
    sql, values = bind(ctx(), SQLITE, "SELECT $1 WHERE x LIKE '%'", ["v"], 0)
    assert (sql, values) == ("SELECT ? WHERE x LIKE '%'", ["v"])


def test_bind_refuses_a_missing_value() -> None:
    with pytest.raises(NodeOperationError, match=r"\$3"):
        bind(ctx(), MYSQL, "SELECT $3", ["a"], 0)


def test_replacement_values_from_text_list_or_scalar() -> None:
    assert replacement_values(ctx({"options": {"queryReplacement": "a, b ,c"}}), 0) == ["a", "b", "c"]
    assert replacement_values(ctx({"options": {"queryReplacement": [1, None]}}), 0) == [1, None]
    assert replacement_values(ctx({"options": {"queryReplacement": 7}}), 0) == [7]
    assert replacement_values(ctx({}), 0) == []


def test_json_values() -> None:
    assert json_value(decimal.Decimal("2.50")) == 2.5 and json_value(decimal.Decimal("3")) == 3
    paris = dt.timezone(dt.timedelta(hours=1))
    assert json_value(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=paris)) == "2024-01-02T02:04:05.000Z"
    assert json_value(dt.datetime(2024, 1, 2, 3, 4, 5, 120000)) == "2024-01-02T03:04:05.120Z"
    assert json_value(dt.date(2024, 1, 2)) == "2024-01-02"
    assert json_value(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert json_value(b"hi") == {"type": "Buffer", "data": "aGk="}
    assert json_value({"a": [decimal.Decimal("1.5")]}) == {"a": [1.5]}


def test_locators_and_messages() -> None:
    assert locator_value({"__rl": True, "mode": "list", "value": " users "}) == "users"
    assert locator_value("users") == "users" and locator_value(None) == ""
    assert database_message(Exception(1062, "Duplicate entry 'a'")) == "Duplicate entry 'a'"
    assert database_message(Exception('relation "x" does not exist\nLINE 1: ...')) == 'relation "x" does not exist'


@pytest.mark.parametrize("node_type", NODE_TYPES, ids=lambda t: t.description.name)
def test_descriptions_are_valid_and_default_to_the_latest_version(node_type: type) -> None:
    description = node_type.description
    validate_description(description)
    assert description.default_version == max(description.versions)


def test_versions_match_n8n() -> None:
    by_name = {t.description.name: t.description for t in NODE_TYPES}
    assert by_name["knotwork.postgres"].versions == (1.0, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6)
    assert by_name["knotwork.mySql"].versions == (1.0, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5)
    assert by_name["knotwork.redis"].aliases == ("n8n-nodes-base.redis",)
