"""The Code-node sandbox: real worker processes, their answers, limits and recovery; and the
Code node itself through a small fake ExecuteContext."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.errors import NodeOperationError, SandboxError
from engine.items import Item
from engine.ports import Services
from engine.sandbox import pool as pool_module
from engine.sandbox.pool import BadMessage, SandboxPool, read_message
from engine.workflow import NodeSpec
from nodes.core.code import CodeNode

ALL, EACH = "runOnceForAllItems", "runOnceForEachItem"


def wait_until_gone(pids: list[int], deadline_s: float = 10.0) -> None:
    """Poll until no process (not even a zombie) has these pids."""
    deadline = time.monotonic() + deadline_s
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        assert time.monotonic() < deadline, f"processes still there: {pids}"
        time.sleep(0.01)


@pytest.fixture
async def pool():
    sandbox = SandboxPool(workers=1, memory_mb=256, timeout_s=2.0)
    await sandbox.start()
    yield sandbox
    pids = sandbox.worker_pids()
    await sandbox.close()
    wait_until_gone(pids)


def request(code: str, items: list[dict[str, Any]] | None = None, mode: str = ALL, **extra: Any) -> dict[str, Any]:
    return {"code": code, "mode": mode, "items": items or [], "context": extra.pop("context", {}), **extra}


def no_callback(name: str, args: list[Any]) -> Any:
    raise AssertionError(f"unexpected callback {name} {args}")


async def answer_of(sandbox: SandboxPool, code: str, **options: Any) -> Any:
    return await sandbox.run(request(code, **options), options.pop("callback", no_callback))


# ---- both modes and output normalisation ------------------------------------------------------


async def test_all_items_mode_edits_items_by_attribute(pool):
    items = [{"json": {"a": 1}}, {"json": {"a": 2, "nested": {"b": 3}}}]
    code = "for item in _input.all():\n    item.json.double = item.json.a * 2\n    item.json.missing_is = item.json.nope\nreturn _input.all()"
    answer = await answer_of(pool, code, items=items)
    assert answer["items"] == [
        {"json": {"a": 1, "double": 2, "missing_is": None}},
        {"json": {"a": 2, "nested": {"b": 3}, "double": 4, "missing_is": None}},
    ]
    nested = await answer_of(pool, "return [{'b': _input.last().json.nested.b}]", items=items)
    assert nested["items"] == [{"json": {"b": 3}}]


async def test_plain_dicts_are_wrapped_and_a_single_dict_is_a_list_of_one(pool):
    assert (await answer_of(pool, "return [{'x': 1}, {'x': 2}]"))["items"] == [{"json": {"x": 1}}, {"json": {"x": 2}}]
    assert (await answer_of(pool, "return {'x': 1}"))["items"] == [{"json": {"x": 1}}]
    paired = await answer_of(pool, "return [{'json': {'x': 1}, 'pairedItem': 0}, {'json': {}}]", items=[{"json": {}}] * 2)
    assert paired["items"] == [{"json": {"x": 1}, "pairedItem": 0}, {"json": {}}]  # no pairing invented


async def test_each_item_mode_runs_once_per_item_in_one_request(pool):
    items = [{"json": {"n": n}} for n in range(4)]
    code = "if _json.n == 2:\n    return None\nreturn {'n': _json.n, 'index': _itemIndex, 'same': _input.item.json.n}"
    answer = await answer_of(pool, code, items=items, mode=EACH)
    assert answer["items"] == [
        {"json": {"n": 0, "index": 0, "same": 0}, "pairedItem": {"item": 0}},
        {"json": {"n": 1, "index": 1, "same": 1}, "pairedItem": {"item": 1}},
        {"json": {"n": 3, "index": 3, "same": 3}, "pairedItem": {"item": 3}},
    ]


@pytest.mark.parametrize(
    ("code", "mode", "message", "item_index"),
    [
        ("return 'text'", ALL, "Code doesn't return items properly (it returned a str)", None),
        ("return None", ALL, "Code doesn't return items properly (it returned None)", None),
        ("return [{'a': 1}, 5]", ALL, "Code doesn't return items properly (an int instead of a dictionary)", 1),
        ("return {'json': 'test'}", ALL, "A 'json' property isn't an object", 0),
        ("return [{'json': {}}, {'json': {}, 'extra': 1}]", ALL, "Unknown top-level item key: extra", 1),
        ("return [{'json': {}, 'binary': 'b'}]", ALL, "A 'binary' property isn't an object", 0),
        ("return [_json]", EACH, "Code doesn't return a single object (it returned a list)", 0),
        ("return 5", EACH, "Code doesn't return an object (it returned an int)", 0),
    ],
)
async def test_wrong_return_values_name_the_type_and_item(pool, code, mode, message, item_index):
    answer = await answer_of(pool, code, items=[{"json": {}}], mode=mode)
    error = answer["error"]
    assert (error["message"], error["type"], error.get("itemIndex")) == (message, "ValidationError", item_index)
    assert error["description"]


async def test_non_json_values_are_converted_in_the_worker(pool):
    code = (
        "d = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)\n"
        "return {'dt': d, 'date': d.date(), 'set': {3, 1, 2}, 'tuple': (1, 'a'), 'bytes': b'hi',\n"
        "        'delta': datetime.timedelta(minutes=1), 'big': 10**30, 1: 'int key'}"
    )
    assert (await answer_of(pool, code))["items"][0]["json"] == {
        "dt": "2024-05-01T12:30:00+00:00", "date": "2024-05-01", "set": [1, 2, 3], "tuple": [1, "a"],
        "bytes": "aGk=", "delta": 60.0, "big": 1e30, "1": "int key",
    }
    error = (await answer_of(pool, "return {'f': len}"))["error"]
    assert error["type"] == "TypeError" and "can't be converted to JSON" in error["message"]


# ---- logs and errors ---------------------------------------------------------------------------


async def test_print_output_comes_back_as_log_lines(pool):
    answer = await answer_of(pool, "print('a', 1)\nprint('b\\nc', end='')\nreturn []")
    assert answer == {"items": [], "logs": ["a 1", "b", "c"]}


async def test_user_exceptions_carry_type_and_user_line(pool):
    error = (await answer_of(pool, "x = 1\n\ny = missing + x\nreturn []"))["error"]
    assert error == {"message": "name 'missing' is not defined", "type": "NameError", "line": 3}
    each = await answer_of(pool, "return {'v': 10 // _json.n}", items=[{"json": {"n": 1}}, {"json": {"n": 0}}], mode=EACH)
    assert each["error"] == {"message": "integer division or modulo by zero", "type": "ZeroDivisionError", "line": 1, "itemIndex": 1}


async def test_each_item_continue_on_fail_keeps_going(pool):
    items = [{"json": {"n": 1}}, {"json": {"n": 0}}]
    answer = await answer_of(pool, "return {'v': 10 // _json.n}", items=items, mode=EACH, continueOnFail=True)
    assert answer["items"] == [
        {"json": {"v": 10}, "pairedItem": {"item": 0}},
        {"json": {"error": "integer division or modulo by zero [line 1, for item 1]"}, "pairedItem": {"item": 1}},
    ]


async def test_syntax_errors_report_the_line_and_multiline_strings_survive(pool):
    assert (await answer_of(pool, "a = 1\nb = = 2"))["error"] == {
        "message": "invalid syntax at statement: 'b = = 2'", "type": "SyntaxError", "line": 2,
    }
    forbidden = (await answer_of(pool, "x = 1\nreturn x.__class__"))["error"]
    assert forbidden["line"] == 2 and "__class__" in forbidden["message"]
    text = (await answer_of(pool, 'return {"t": """a\n  b"""}'))["items"][0]["json"]["t"]
    assert text == "a\n  b"


# ---- context and callbacks ---------------------------------------------------------------------


async def test_context_values(pool):
    context = {
        "timezone": "Europe/Berlin", "now": "2024-05-01T22:30:00+00:00", "vars": {"region": "eu"},
        "execution": {"id": "42", "mode": "test"}, "workflow": {"id": "w1", "name": "Flow"}, "runIndex": 3,
    }
    code = "return {'now': _now, 'today': _today, 'region': _vars.region, 'exec': _execution.id, 'wf': _workflow.name, 'run': _runIndex}"
    assert (await answer_of(pool, code, context=context))["items"][0]["json"] == {
        "now": "2024-05-02T00:30:00+02:00", "today": "2024-05-02T00:00:00+02:00", "region": "eu",
        "exec": "42", "wf": "Flow", "run": 3,
    }


async def test_node_accessor_asks_the_parent_and_caches(pool):
    calls: list[list[Any]] = []

    async def callback(name: str, args: list[Any]) -> Any:
        calls.append([name, *args])
        await asyncio.sleep(0)
        node, method, method_args, item_index = args
        if node == "Missing":
            raise SandboxError("Referenced node doesn't exist: 'Missing'")
        if method == "isExecuted":
            return True
        rows = [{"json": {"id": 1}}, {"json": {"id": 2}}]
        return rows if method == "all" else rows[item_index] if method == "item" else rows[method_args[0]]

    code = (
        "a = _('Source').all()\nb = _('Source').all()\n"
        "return {'ids': [i.json.id for i in a + b], 'paired': _('Source').item.json.id,\n"
        "        'match': _('Source').itemMatching(1).json.id, 'ran': _('Source').isExecuted, 'legacy': _node['Source'].json.id}"
    )
    answer = await pool.run(request(code, items=[{"json": {}}] * 2, mode=EACH), callback)
    assert [item["json"] for item in answer["items"]] == [
        {"ids": [1, 2, 1, 2], "paired": 1, "match": 2, "ran": True, "legacy": 1},
        {"ids": [1, 2, 1, 2], "paired": 2, "match": 2, "ran": True, "legacy": 2},
    ]
    methods = [call[2] for call in calls]
    assert methods.count("all") == 2  # .all() once per request (cached), _node[...] reads output 0
    assert methods.count("item") == 2 and methods.count("itemMatching") == 1
    failed = await pool.run(request("x = 1\nreturn _('Missing').first()"), callback)
    assert failed["error"] == {"message": "Referenced node doesn't exist: 'Missing'", "type": "ExpressionError", "line": 2}


# ---- concurrency, limits and recovery -----------------------------------------------------------


async def test_concurrent_runs_queue_for_free_workers():
    async with SandboxPool(workers=2, memory_mb=256, timeout_s=5.0) as sandbox:

        async def callback(name: str, args: list[Any]) -> Any:
            await asyncio.sleep(0)
            return {"json": {"from": args[0]}}

        runs = [sandbox.run(request(f"return [{{'n': {n}, 'src': _('N{n}').first().json['from']}}]"), callback) for n in range(8)]
        answers = await asyncio.gather(*runs)
        pids = sandbox.worker_pids()
    assert [a["items"][0]["json"] for a in answers] == [{"n": n, "src": f"N{n}"} for n in range(8)]
    wait_until_gone(pids)


async def test_lazy_start_and_closed_pool():
    sandbox = SandboxPool(workers=1, memory_mb=256, timeout_s=2.0)
    assert (await answer_of(sandbox, "return []"))["items"] == []
    pids = sandbox.worker_pids()
    await sandbox.close()
    wait_until_gone(pids)
    with pytest.raises(SandboxError, match="closed"):
        await answer_of(sandbox, "return []")


async def test_timeout_kills_and_replaces_the_worker(pool):
    before = pool.worker_pids()
    with pytest.raises(SandboxError, match="Code ran longer than 2 s"):
        await answer_of(pool, "while True:\n    pass")
    assert (await answer_of(pool, "return [{'ok': 1}]"))["items"] == [{"json": {"ok": 1}}]
    assert pool.worker_pids() != before
    wait_until_gone(before)


@pytest.mark.parametrize("bomb", ["'x' * (2**31)", "[0] * 10**9", "10**10**8", "list(range(10**8))", "b'x' * 2**30"])
async def test_memory_bombs_fail_and_the_next_call_works(pool, bomb):
    try:
        answer = await answer_of(pool, f"x = {bomb}\nreturn []")
    except SandboxError as error:
        assert "ran out of memory (limit 256 MB)" in str(error) or "ran longer than" in str(error)
    else:
        assert answer["error"]["type"] == "ResourceLimitError"
    assert (await answer_of(pool, "return [{'ok': 1}]"))["items"] == [{"json": {"ok": 1}}]


async def test_memory_error_names_the_limit(pool):
    with pytest.raises(SandboxError, match=r"Code ran out of memory \(limit 256 MB\)"):
        await answer_of(pool, "x = list(range(10**8))")


async def start_endless_loop(sandbox: SandboxPool) -> asyncio.Future[Any]:
    """A run spinning forever in the worker; returns once the code is known to be running."""
    running = asyncio.Event()

    def callback(name: str, args: list[Any]) -> bool:
        running.set()
        return True

    task = asyncio.ensure_future(sandbox.run(request("_('X').isExecuted\nwhile True:\n    pass"), callback))
    await running.wait()
    return task


async def test_a_killed_worker_is_replaced(pool):
    [pid] = pool.worker_pids()
    running = await start_endless_loop(pool)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(SandboxError, match="killed"):
        await running
    assert (await answer_of(pool, "return []"))["items"] == []
    wait_until_gone([pid])


async def test_a_cancelled_run_replaces_the_worker(pool):
    [pid] = pool.worker_pids()
    running = await start_endless_loop(pool)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert (await answer_of(pool, "return []"))["items"] == []
    wait_until_gone([pid])


async def test_closing_stops_a_busy_worker_at_once():
    sandbox = SandboxPool(workers=1, memory_mb=256, timeout_s=60.0)
    running = await start_endless_loop(sandbox)
    pids = sandbox.worker_pids()
    await sandbox.close()
    with pytest.raises(SandboxError, match="closed while the code ran"):
        await running
    wait_until_gone(pids)


async def test_workers_run_with_os_limits_and_no_inherited_files(pool):
    [pid] = pool.worker_pids()
    limits = {line[:26].strip(): line[26:].split() for line in Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]}
    assert limits["Max address space"][:2] == [str(256 * 2**20)] * 2
    assert limits["Max core file size"][:2] == ["0", "0"]
    assert int(limits["Max open files"][0]) <= 32
    fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
    assert fds[:3] == [0, 1, 2] and len(fds) == 4  # stdio and the socket to the host


# ---- the wire is JSON only ----------------------------------------------------------------------


async def test_the_host_never_unpickles_what_a_worker_sends(tmp_path):
    canary = tmp_path / "unpickled"

    class Exploit:
        def __reduce__(self):
            return (open, (str(canary), "w"))

    host_end, worker_end = socket.socketpair()
    reader, writer = await asyncio.open_unix_connection(sock=host_end)
    forged = pickle.dumps(Exploit())
    worker_end.sendall(struct.pack("!i", len(forged)) + forged)  # Connection.send_bytes framing
    with pytest.raises(BadMessage, match="not JSON"):
        await read_message(reader)
    worker_end.sendall(struct.pack("!i", -1) + struct.pack("!Q", 2**40))  # "a terabyte follows"
    with pytest.raises(BadMessage, match="1,099,511,627,776 bytes"):
        await read_message(reader, max_size=2**20)
    writer.close()
    worker_end.close()
    assert not canary.exists()
    source = Path(pool_module.__file__).read_text()
    assert "import pickle" not in source and ".recv(" not in source and "orjson.loads" in source


# ---- the Code node -------------------------------------------------------------------------------


@dataclass
class FakeAccessor:
    rows: list[Item]

    def first(self, branch: Any = None, run: Any = None) -> Item:
        return self.rows[0]


@dataclass
class FakeProxy:
    outputs: dict[str, list[Item]]

    def node(self, name: str) -> FakeAccessor:
        return FakeAccessor(self.outputs[name])


@dataclass
class FakeContext:
    """Just what CodeNode uses of the executor's ExecuteContext."""

    parameters: dict[str, Any]
    input_items: list[Item]
    services: Services
    continue_on_fail: bool = False
    outputs: dict[str, list[Item]] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    run_index: int = 0
    mode: str = "manual"
    type_version: float = 2

    @property
    def node(self) -> NodeSpec:
        return NodeSpec(name="Code", type="n8n-nodes-base.code", type_version=2, parameters=self.parameters)

    def param(self, name: str, item_index: int = 0, default: Any = None) -> Any:
        return self.parameters.get(name, default)

    def raw_param(self, name: str, default: Any = None) -> Any:
        return self.parameters.get(name, default)

    def log(self, message: str) -> None:
        self.logs.append(message)

    def proxy(self, item_index: int = 0) -> FakeProxy:
        return FakeProxy(self.outputs)


async def test_code_node_runs_python_and_reads_other_nodes(pool):
    code = "print('hi')\nreturn [{'sum': _json.n + _('Src').first().json.n}]"
    ctx = FakeContext({"language": "python", "pythonCode": code}, [Item({"n": 1})], Services(code_runner=pool), outputs={"Src": [Item({"n": 41})]})
    [items] = await CodeNode().execute(ctx)
    assert items == [Item({"sum": 42})] and ctx.logs == ["hi"]


async def test_code_node_errors_read_like_n8n(pool):
    ctx = FakeContext({"mode": EACH, "pythonCode": "x = 1\nreturn {'v': 1 // _json.n}"}, [Item({"n": 0})], Services(code_runner=pool))
    with pytest.raises(SandboxError) as raised:
        await CodeNode().execute(ctx)
    assert raised.value.message == "integer division or modulo by zero [line 2, for item 0]"
    assert raised.value.description == "ZeroDivisionError on line 2 of the code" and raised.value.item_index == 0
    ctx = FakeContext({"pythonCode": "return {'json': 'test'}"}, [Item({})], Services(code_runner=pool), continue_on_fail=True)
    assert await CodeNode().execute(ctx) == [[Item({"error": "A 'json' property isn't an object [item 0]"})]]


async def test_code_node_refuses_a_missing_sandbox():
    # (JavaScript Code nodes run in V8 since issue 9: tests/engine/js/test_js_code_node.py)
    no_runner = FakeContext({"language": "python", "pythonCode": "return []"}, [Item({})], Services())
    with pytest.raises(NodeOperationError, match="No sandbox"):
        await CodeNode().execute(no_runner)
