"""The conformance runner's own parts, on data made here (no n8n files needed): comparison,
JavaScript detection, the HTTP mock servers, requirements.json handling and classification."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.registry import NodeRegistry

from .environment import environment, expected_from_requirements, prepare, requirements_for
from .harness import comparable_item, first_difference, reduce_json_error
from .javascript import classify_expression, scan_workflow
from .mock_http import MockServers
from .report import render, unexpected_failures
from .workflow_files import Outcome, discover, run_file

REAL_SLEEP = asyncio.sleep


# --- comparison ------------------------------------------------------------------------------
def test_equal_json_has_no_difference() -> None:
    assert first_difference({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]}) is None


@pytest.mark.parametrize(
    ("expected", "actual", "message"),
    [
        ({"a": True}, {"a": 1}, "a: expected true, got 1"),
        ({"a": 1}, {}, "(top): missing key 'a'"),
        ({}, {"a": None}, "(top): unexpected key 'a'"),
        ([1, 2], [1], "(top): 2 entries expected, got 1"),
        ([{"json": {"x": "a"}}], [{"json": {"x": "b"}}], '[0].json.x: expected "a", got "b"'),
    ],
)
def test_first_difference_names_the_place(expected: Any, actual: Any, message: str) -> None:
    assert first_difference(expected, actual) == message


def test_comparable_item_keeps_asserted_binary_without_directory() -> None:
    item = {"json": {}, "pairedItem": {"item": 0}, "binary": {"data": {"data": "dA==", "directory": "/x"}}}
    assert comparable_item(item) == {"json": {}}
    assert comparable_item(item, keep_binary=True) == {"json": {}, "binary": {"data": {"data": "dA=="}}}


def test_error_objects_reduce_to_n8n_fields() -> None:
    item = {"json": {"error": {"message": "m", "name": "NodeOperationError", "node": "X", "itemIndex": 0}}}
    assert reduce_json_error(item) == {"json": {"error": {"message": "m", "name": "NodeOperationError", "context": {}}}}
    assert reduce_json_error({"json": {"error": "text"}}) == {"json": {"error": "text"}}


def test_booleans_may_match_database_integers() -> None:
    assert first_difference({"ok": True}, {"ok": 1}, bool_as_int=True) is None
    assert first_difference({"ok": True}, {"ok": 0}, bool_as_int=True) == "ok: expected true, got 0"


# --- JavaScript detection --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("$json.a", "python"),
        ("$('Node').item.json.x + 1", "python"),
        ('$node["Split"].context["done"]', "python"),
        ("[x for x in $json.list]", "python"),
        ("!$json.notes", "javascript"),
        ("$json.a === 1", "javascript"),
        ("parseInt($json.a)", "javascript"),
        ("$json.a.toString()", "javascript"),
        ("DateTime.fromISO($json.t)", "javascript"),
        ("$json.list.length", "javascript"),
        ("$notAnN8nName * 3", "variable"),
    ],
)
def test_classify_expression(code: str, kind: str) -> None:
    assert classify_expression(code)[0] == kind


def test_scan_ignores_disabled_nodes_and_plain_text() -> None:
    workflow = {"nodes": [
        {"name": "A", "parameters": {"v": "={{ parseInt('1') }}", "w": "=text"}, "disabled": True},
        {"name": "B", "parameters": {"v": ["=a {{ !$json.x }} b"]}},
    ]}
    javascript, variables = scan_workflow(workflow)
    assert [(f.node, f.expression) for f in javascript] == [("B", "!$json.x")]
    assert variables == []


# --- HTTP mocks ------------------------------------------------------------------------------
MOCKS: list[dict[str, Any]] = [
    {"method": "GET", "url": "https://api.example/items/1", "status": 200, "responseBody": {"id": 1},
     "requireHeader": {"Authorization": "Bearer t"}},
    {"method": "POST", "url": "https://api.example/add", "status": 201, "responseBody": "ok",
     "requestBody": {"n": 5}},
    {"method": "GET", "url": "https://api.example/redirect", "status": 302, "responseBody": {},
     "responseHeaders": {"location": "https://api.example/items/1"}, "persistent": True},
    {"method": "GET", "url": "https://api.example/users?<any query>", "dynamic": "paging"},
    {"method": "POST", "url": "https://api.example/users", "dynamic": "paging"},
]


def test_mock_servers_answer_recorded_requests(tmp_path: Path) -> None:
    with MockServers(MOCKS, tmp_path) as servers:
        base = servers.rewrite("https://api.example")
        assert base.startswith("http://127.0.0.1:")
        got = httpx.get(f"{base}/items/1", headers={"Authorization": "Bearer t"})
        assert (got.status_code, got.json(), got.headers["content-type"]) == (200, {"id": 1}, "application/json")
        assert httpx.get(f"{base}/items/1", headers={"Authorization": "Bearer t"}).status_code == 501  # used up
        assert httpx.post(f"{base}/add", json={"n": 6}).status_code == 501  # body does not match
        assert httpx.post(f"{base}/add", json={"n": 5}).text == "ok"
        assert httpx.get(f"{base}/redirect").headers["location"] == f"{base}/items/1"
        page = httpx.get(f"{base}/users", params={"skip": 12, "limit": 5})
        assert page.json() == [{"id": 12}, {"id": 13}, {"id": 14}]
        assert page.headers["next-url"] == f"{base}/users?skip=17&limit=5"
        assert httpx.get(f"{base}/users", params={"skip": 15}).status_code == 404
        form = httpx.post(f"{base}/users", files={"limit": (None, "2"), "skip": (None, "3")})
        assert form.json() == [{"id": 3}, {"id": 4}]
        assert set(form.headers) == {"content-type", "next-url"}  # only the mock's headers, as nock
        assert servers.unmatched == ["GET /items/1", "POST /add"]


async def test_mock_transport_intercepts_like_nock(tmp_path: Path) -> None:
    with MockServers(MOCKS, tmp_path) as servers:
        servers.rewrite_responses = False
        async with httpx.AsyncClient(transport=servers.transport(), follow_redirects=True) as client:
            got = await client.get("https://api.example/redirect", headers={"Authorization": "Bearer t"})
            assert (got.status_code, got.json(), str(got.url)) == (200, {"id": 1}, "https://api.example/items/1")
            with pytest.raises(httpx.ConnectError, match="no mock for https://elsewhere.example"):
                await client.get("https://elsewhere.example/")


# --- requirements.json -----------------------------------------------------------------------
def _conformance_tree(root: Path) -> str:
    """A conformance-like folder with one file-reading workflow and its requirements."""
    folder = root / "Reader" / "test"
    folder.mkdir(parents=True)
    (folder / "data.bin").write_bytes(b"abc")
    workflow = {"nodes": [{"name": "Read", "type": "x.read", "parameters": {"path": "C:\\Test\\data.bin"}},
                          {"name": "Write", "type": "x.write", "parameters": {"options": {}}}],
                "connections": {}, "pinData": {}}
    (folder / "read.json").write_text(json.dumps(workflow))
    requirements = {"requirements": {"Reader/test/*.json": {
        "overrideParams": {"Write.options.target": "<tmpdir>/out.bin"},
        "clock": "fake time fixed at 2025-01-01T00:00:00Z, timers auto-advanced",
        "expectedFromTs": {"Read": [[{"json": {"path": "<abs>/Reader/test/data.bin"},
                                      "binary": {"data": {"data": "<base64 of data.bin, 3 bytes>"}}}]]},
    }}}
    (root / "_harness").mkdir()
    (root / "_harness" / "requirements.json").write_text(json.dumps(requirements))
    return "Reader/test/read.json"


def test_requirements_rewrite_paths_into_a_temp_copy(tmp_path: Path) -> None:
    relative = _conformance_tree(tmp_path)
    workflow = json.loads((tmp_path / relative).read_text())
    assert requirements_for(tmp_path, relative)["overrideParams"]
    with environment(tmp_path, relative, workflow) as env:
        prepare(env, workflow)
        read, write = workflow["nodes"]
        assert read["parameters"]["path"] == str(env.folder / "data.bin")
        assert (env.folder / "data.bin").read_bytes() == b"abc"
        assert write["parameters"]["options"]["target"] == str(env.tmpdir / "out.bin")
        expected = expected_from_requirements(env)["Read"][0]
        assert expected["json"]["path"] == str(env.folder / "data.bin")
        assert expected["binary"]["data"]["data"] == base64.b64encode(b"abc").decode()
        temp = env.temp
    assert not temp.exists()  # cleaned up


async def test_fake_timers_move_the_frozen_clock(tmp_path: Path) -> None:
    relative = _conformance_tree(tmp_path)
    with environment(tmp_path, relative, {"nodes": []}) as env:
        started = env.clock.now()
        assert started.isoformat() == "2025-01-01T00:00:00+00:00"
        await asyncio.wait_for(asyncio.sleep(42), timeout=1)
        assert (env.clock.now() - started).total_seconds() == 42
        assert os.environ["TZ"] == "UTC"
    assert asyncio.sleep is REAL_SLEEP


# --- classification --------------------------------------------------------------------------
async def test_missing_node_types_are_needs_node(tmp_path: Path) -> None:
    relative = _conformance_tree(tmp_path)
    assert discover(tmp_path) == [relative]
    outcome = await run_file(tmp_path, relative, NodeRegistry())
    assert outcome.status == "needs-node"
    assert "x.read, x.write" in outcome.detail


def test_report_counts_and_exit_rule() -> None:
    outcomes = [Outcome("A/test/a.json", "pass"), Outcome("B/test/b.json", "fail", "x: expected 1, got 2"),
                Outcome("C/test/c.json", "needs-node", "needs node y")]
    lines = render(outcomes)
    assert lines[1].startswith("fail              B/test/b.json  x: expected 1, got 2")
    assert lines[-1] == ("Total: 3 files: 1 pass, 1 fail (0 known gaps, marked fail*), 0 needs-javascript, "
                         "1 needs-node, 0 needs-fixture")
    assert [o.relative for o in unexpected_failures(outcomes)] == ["B/test/b.json"]


# --- MariaDB ---------------------------------------------------------------------------------
def test_mysql_fixture_serves_the_mocked_row() -> None:
    import pymysql

    from .harness import FixtureUnavailable
    from .mysql_fixture import database_for

    relative = "MySql/test/v1/executeQuery.workflow.json"
    sql = "select * from family_parents where parent_email = 'parent1@mail.com'"
    try:
        with database_for(relative) as database:
            credential = database.credential()
            connection = pymysql.connect(host=credential["host"], port=credential["port"], user=credential["user"],
                                         password=credential["password"], database=credential["database"])
            with connection, connection.cursor(pymysql.cursors.DictCursor) as cursor:
                cursor.execute(sql)
                assert cursor.fetchall() == [{"success": 1}]
            statements = database.statements("select * from family_parents")
            assert statements is None or statements == [sql]
    except FixtureUnavailable as missing:
        pytest.skip(str(missing))
