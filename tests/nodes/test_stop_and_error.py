"""Stop and Error: the message it fails with; and the test-only versionTest node."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.stop_and_error import StopAndError
from nodes.core.version_test import VersionTest
from tests.nodes.fake import FakeContext, make_node


async def fail_with(parameters: dict[str, Any]) -> NodeOperationError:
    ctx = FakeContext(make_node("knotwork.stopAndError", 1, parameters), [[Item({})]])
    with pytest.raises(NodeOperationError) as caught:
        await StopAndError().execute(ctx)
    return caught.value


async def test_error_message_is_the_message() -> None:
    error = await fail_with({"errorMessage": "Customer not found"})
    assert error.message == "Customer not found" and error.description is None


async def test_default_error_type_with_no_message() -> None:
    assert (await fail_with({})).message == ""


@pytest.mark.parametrize(
    ("error_object", "message", "description"),
    [
        ('{"message": "Boom", "code": 42}', "Boom", None),
        ('{"code": "404", "description": "The resource could not be fetched"}', "The resource could not be fetched", "The resource could not be fetched"),
        ({"error": "Bad input"}, "Bad input", None),
        ({"message": "", "code": 1}, 'Error: {"message":"","code":1}', None),
        ('["not", "an object"]', 'Error: ["not","an object"]', None),
    ],
)
async def test_error_object(error_object: Any, message: str, description: str | None) -> None:
    error = await fail_with({"errorType": "errorObject", "errorObject": error_object})
    assert error.message == message and error.description == description


async def test_error_object_that_is_not_json() -> None:
    error = await fail_with({"errorType": "errorObject", "errorObject": "{oops"})
    assert error.message.startswith("The error object is not valid JSON")


def test_stop_and_error_has_no_outputs() -> None:
    assert StopAndError.description.outputs == 0 and StopAndError.description.inputs == 1


@pytest.mark.parametrize(
    ("version", "parameters", "expected"),
    [(1, {}, 1), (1, {"versionTest": 11}, 11), (2, {}, 2), (2, {"versionTest": 22}, 22)],
)
async def test_version_test_node(version: float, parameters: dict[str, Any], expected: int) -> None:
    ctx = FakeContext(make_node("knotwork.versionTest", version, parameters), [[Item({"old": 1})]])
    [[item]] = await VersionTest().execute(ctx)
    assert item.json == {"versionFromNode": version, "versionFromParameter": expected}
    assert VersionTest.description.hidden
