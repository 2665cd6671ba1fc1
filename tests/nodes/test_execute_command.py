"""Execute Command: off unless enabled, once or per item, exit codes, errors and the setting's wiring."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import Services
from nodes.core.execute_command import ExecuteCommand
from services.engine_setup import build_services
from services.runtime import run_policy
from services.settings import load_settings
from tests.nodes.fake import FakeContext, make_node

NODE = ExecuteCommand()
ENABLED = Services(execute_command_enabled=True)


async def run(parameters: dict[str, Any], items: list[Item], *, enabled: bool = True,
              per_item: list[dict[str, Any]] | None = None, **flags: Any) -> list[Item]:
    node = make_node("knotwork.executeCommand", 1, parameters, **flags)
    ctx = FakeContext(node, [items], per_item=per_item, services=ENABLED if enabled else Services())
    [output] = await NODE.execute(ctx)
    return output


async def test_disabled_by_default_with_an_error_naming_the_setting() -> None:
    with pytest.raises(NodeOperationError, match="disabled") as caught:
        await run({"command": "echo hi"}, [Item({})], enabled=False)
    assert "KNOTWORK_ENABLE_EXECUTE_COMMAND=true" in (caught.value.description or "")


async def test_execute_once_runs_one_command_for_all_items() -> None:
    out = await run({"command": "echo hello; echo oops >&2"}, [Item({}), Item({})])
    assert [item.json for item in out] == [{"exitCode": 0, "stderr": "oops", "stdout": "hello"}]
    assert out[0].paired == (0, 0)


async def test_once_per_item_when_execute_once_is_off() -> None:
    per_item = [{"executeOnce": False, "command": f"echo item{index}"} for index in range(3)]
    out = await run(per_item[0], [Item({}), Item({}), Item({})], per_item=per_item)
    assert [item.json["stdout"] for item in out] == ["item0", "item1", "item2"]
    assert [item.paired for item in out] == [(0, 0), (1, 0), (2, 0)]


async def test_non_zero_exit_fails_the_item() -> None:
    with pytest.raises(NodeOperationError, match="Command failed: echo bad >&2; exit 3\nbad") as caught:
        await run({"command": "echo bad >&2; exit 3"}, [Item({})])
    assert caught.value.item_index == 0 and caught.value.context["exitCode"] == 3


async def test_continue_on_fail_turns_failures_into_error_items() -> None:
    per_item = [{"executeOnce": False, "command": command} for command in ("exit 1", "echo fine")]
    out = await run(per_item[0], [Item({}), Item({})], per_item=per_item, on_error="continueRegularOutput")
    assert out[0].json == {"error": "Command failed: exit 1"} and out[0].paired == (0, 0)
    assert out[1].json["stdout"] == "fine"


async def test_empty_command_is_rejected() -> None:
    with pytest.raises(NodeOperationError, match="No command given"):
        await run({"command": "  "}, [Item({})])


def test_the_setting_reaches_the_services() -> None:
    assert build_services(load_settings({})).execute_command_enabled is False
    enabled = load_settings({"KNOTWORK_ENABLE_EXECUTE_COMMAND": "true"})
    assert build_services(enabled).execute_command_enabled is True
    assert run_policy(enabled).execute_command is True
