"""Execute Command: run a shell command on the Knotwork host (n8n `executeCommand` v1).

The command runs with `/bin/sh -c` in the server's working directory, once (`executeOnce`, the
default) or once per input item, and each run gives `{exitCode, stderr, stdout}` (both texts
trimmed). A non-zero exit code fails the item with "Command failed: …", as in n8n.

Running arbitrary commands is dangerous, so the node is off unless the instance enables it with
KNOTWORK_ENABLE_EXECUTE_COMMAND=true (seen by the node as `services.execute_command_enabled`);
n8n 2.x likewise disables it by default.
"""

from __future__ import annotations

import asyncio
import contextlib

from engine.errors import NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

SETTING = "KNOTWORK_ENABLE_EXECUTE_COMMAND"


class ExecuteCommand(NodeType):
    description = NodeDescription(
        name="knotwork.executeCommand",
        display_name="Execute Command",
        group="transform",
        description="Executes a command on the host",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.executeCommand",),
        search_aliases=("shell", "console", "terminal", "bash", "cli"),
        categories=("Core Nodes", "Development"),
        icon="fa:terminal",
        parameters=(
            Parameter(
                "executeOnce",
                "Execute Once",
                "boolean",
                default=True,
                description="Whether to execute only once instead of once for each entry",
            ),
            Parameter(
                "command",
                "Command",
                "string",
                default="",
                required=True,
                placeholder="echo 'test'",
                description="The command to execute",
                type_options={"rows": 5},
            ),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if not getattr(ctx.services, "execute_command_enabled", False):
            raise NodeOperationError(
                "The Execute Command node is disabled on this instance",
                description=f"An administrator can enable it by setting {SETTING}=true; it runs shell "
                "commands on the server.",
            )
        count = 1 if ctx.param("executeOnce", 0, True) else len(ctx.input_items)
        output: list[Item] = []
        for index in range(count):
            try:
                result = await run_command(str(ctx.param("command", index, "") or ""), index)
            except NodeError as error:
                if not ctx.continue_on_fail:
                    raise
                output.append(Item({"error": error.message}, paired=(index, 0)))
                continue
            output.append(Item(result, paired=(index, 0)))
        return [output]


async def run_command(command: str, item_index: int) -> dict[str, object]:
    """Run one shell command. Raises NodeOperationError naming the item when it cannot start or
    exits with a non-zero code; kills the process when the execution is canceled."""
    if not command.strip():
        raise NodeOperationError("No command given", description="Set the 'Command' parameter", item_index=item_index)
    try:
        process = await asyncio.create_subprocess_shell(
            command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except OSError as error:
        raise NodeOperationError(f"The command could not start: {error}", item_index=item_index) from None
    try:
        raw_out, raw_err = await process.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    stdout = raw_out.decode("utf-8", "replace").strip()
    stderr = raw_err.decode("utf-8", "replace").strip()
    code = process.returncode or 0
    if code != 0:
        message = f"Command failed: {command}" + (f"\n{stderr}" if stderr else "")
        raise NodeOperationError(message, item_index=item_index, context={"exitCode": code})
    return {"exitCode": code, "stderr": stderr, "stdout": stdout}
