"""Postgres Trigger (n8n `postgresTrigger` v1): one execution per notification (LISTEN/NOTIFY).

`listenTrigger` listens to a channel the database already notifies on. `createTrigger` first creates
a trigger function that notifies each inserted, updated or deleted row of a table as JSON, and drops
it again when the workflow stops listening, as n8n does. A notification gives n8n's item
`{name, length, processId, channel, payload}`, the payload parsed when it is JSON.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import psycopg
from psycopg import sql

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, Option, Parameter
from nodes.databases.common import database_message, locator_value
from nodes.databases.postgres_session import connect_kwargs
from nodes.schedule.listener import Emit, ListenerTrigger

PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
CREATE = ("createTrigger",)

PARAMETERS = (
    Parameter("triggerMode", "Trigger Mode", "options", default="createTrigger", options=(
        Option("Listen and Create Trigger Rule", "createTrigger", "Create a trigger rule and listen to it"),
        Option("Listen to Channel", "listenTrigger", "Receive real-time notifications from a channel"),
    )),
    Parameter("schema", "Schema Name", "string", default={"mode": "list", "value": "public"}, required=True,
              show={"triggerMode": CREATE}, placeholder="e.g. public"),
    Parameter("tableName", "Table Name", "string", default={"mode": "list", "value": ""}, required=True,
              show={"triggerMode": CREATE}, placeholder="e.g. table_name"),
    Parameter("channelName", "Channel Name", "string", default="", required=True, placeholder="e.g. n8n_channel",
              show={"triggerMode": ("listenTrigger", "listenEvent")}, description="Name of the channel to listen to"),
    Parameter("firesOn", "Events to Listen To", "options", default="INSERT", show={"triggerMode": CREATE}, options=(
        Option("Insert", "INSERT"), Option("Update", "UPDATE"), Option("Delete", "DELETE"))),
    Parameter("additionalFields", "Additional Fields", "collection", default={}, show={"triggerMode": CREATE}, fields=(
        Parameter("channelName", "Channel Name", "string", default="", placeholder="e.g. n8n_channel",
                  description="Name of the channel to listen to"),
        Parameter("functionName", "Function Name", "string", default="", placeholder="e.g. n8n_trigger_function()",
                  description="Name of the function to create"),
        Parameter("replaceIfExists", "Replace if Exists", "boolean", default=False,
                  description="Whether to replace an existing function and trigger with the same name"),
        Parameter("triggerName", "Trigger Name", "string", default="", placeholder="e.g. n8n_trigger",
                  description="Name of the trigger to create"),
    )),
)


def notification_json(channel: str, payload: str, pid: int) -> dict[str, Any]:
    """A notification as n8n's (node-postgres) message; `length` is its size on the wire."""
    length = 4 + 4 + len(channel.encode()) + 1 + len(payload.encode()) + 1
    parsed: Any = payload
    if payload:
        with contextlib.suppress(ValueError):
            parsed = json.loads(payload)
    return {"name": "notification", "length": length, "processId": pid, "channel": channel, "payload": parsed}


def folded(name: str) -> sql.Identifier:
    """A name written unquoted in SQL, as n8n writes it: PostgreSQL folds a plain name to lower case."""
    return sql.Identifier(name.lower() if PLAIN_NAME.match(name) else name)


class TriggerRule:
    """The function and trigger `createTrigger` makes on a table (names as n8n derives them)."""

    def __init__(self, ctx: ExecuteContext) -> None:
        fields = ctx.param("additionalFields", 0, {}) or {}
        node_id = re.sub(r"\W", "_", ctx.node.id or ctx.node.name)
        self.node = ctx.node.name
        self.schema = locator_value(ctx.param("schema", 0, "public")) or "public"
        self.table = locator_value(ctx.param("tableName", 0, ""))
        self.fires_on = str(ctx.param("firesOn", 0, "INSERT") or "INSERT").upper()
        self.channel = str(fields.get("channelName") or f"n8n_channel_{node_id}")
        self.function = str(fields.get("functionName") or f"n8n_trigger_function_{node_id}").removesuffix("()")
        self.trigger = str(fields.get("triggerName") or f"n8n_trigger_{node_id}")
        self.replace = bool(fields.get("replaceIfExists")) or not (fields.get("triggerName") or fields.get("functionName"))
        if not self.table:
            self._refuse("The parameter 'tableName' is empty: give the table to watch", "tableName")
        if "-" in self.channel:
            self._refuse("Channel name cannot contain hyphens (-)", "additionalFields.channelName")
        if not FUNCTION_NAME.match(self.function):
            self._refuse(f"Invalid function name '{self.function}': use letters, digits and _", "additionalFields.functionName")
        if self.fires_on not in ("INSERT", "UPDATE", "DELETE"):
            self._refuse(f"Unknown event '{self.fires_on}': use INSERT, UPDATE or DELETE", "firesOn")

    def _refuse(self, message: str, parameter: str) -> None:
        raise NodeOperationError(message, node=self.node, parameter=parameter)

    @property
    def _target(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(folded(self.schema), sql.Identifier(self.table))

    @property
    def _function(self) -> sql.Composable:
        return sql.SQL(".").join(folded(part) for part in self.function.split("."))

    async def create(self, connection: psycopg.AsyncConnection[Any]) -> None:
        # the deleted row is notified for DELETE (NEW is null then)
        body = sql.SQL("BEGIN PERFORM pg_notify({}, row_to_json(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END)"
                       "::text); RETURN NULL; END;").format(sql.Literal(self.channel))
        verb = sql.SQL("CREATE OR REPLACE FUNCTION" if self.replace else "CREATE FUNCTION")
        statements = [sql.SQL("{} {}() RETURNS trigger LANGUAGE plpgsql VOLATILE AS {}").format(
            verb, self._function, sql.Literal(body.as_string(connection)))]
        if self.replace:
            statements.append(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(self.trigger),
                                                                               self._target))
        statements.append(sql.SQL("CREATE TRIGGER {} AFTER {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
            sql.Identifier(self.trigger), sql.SQL(self.fires_on), self._target, self._function))
        try:
            async with connection.transaction():
                for statement in statements:
                    await connection.execute(statement)
        except psycopg.Error as error:
            raise NodeOperationError(f"Could not create the trigger on {self.schema}.{self.table}: "
                                     f"{database_message(error)}", node=self.node) from None

    async def drop(self, kwargs: dict[str, Any]) -> None:
        """Remove the function and its trigger, on a connection of its own (the listening one may be
        gone). Best effort: a server that is down keeps them, and the next `create` replaces them."""
        try:
            async with await psycopg.AsyncConnection.connect(autocommit=True, **kwargs) as connection:
                await connection.execute(sql.SQL("DROP FUNCTION IF EXISTS {}() CASCADE").format(self._function))
        except psycopg.Error:
            pass


class PostgresTrigger(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.postgresTrigger",
        display_name="Postgres Trigger",
        group="trigger",
        description="Listens to Postgres messages",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        trigger=True,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.postgresTrigger",),
        credentials=(CredentialSlot("postgres", required=True),),
        categories=("Development", "Data & Storage"),
        search_aliases=("LISTEN", "NOTIFY", "database", "pg"),
        icon="database",
    )

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        mode = str(ctx.param("triggerMode", 0, "createTrigger"))
        rule = TriggerRule(ctx) if mode == "createTrigger" else None
        if rule is not None:
            channel = sql.Identifier(rule.channel)  # exactly the name the function notifies
        elif mode in ("listenTrigger", "listenEvent"):
            name = str(ctx.param("channelName", 0, "") or "").strip()
            if not name:
                raise NodeOperationError("The parameter 'channelName' is empty: give the channel to listen to",
                                         node=ctx.node.name, parameter="channelName")
            channel = folded(name)
        else:
            raise NodeOperationError(f"Unknown trigger mode '{mode}'", node=ctx.node.name, parameter="triggerMode")
        kwargs = connect_kwargs(await ctx.get_credentials("postgres"), 30)
        try:
            connection = await psycopg.AsyncConnection.connect(autocommit=True, **kwargs)
        except psycopg.Error as error:
            raise NodeOperationError(f"Could not connect to PostgreSQL at {kwargs['host']}:{kwargs['port']}: "
                                     f"{database_message(error).removeprefix('connection failed: ')}",
                                     node=ctx.node.name) from None
        created = False
        try:
            async with connection:
                if rule is not None:
                    await rule.create(connection)
                    created = True
                await connection.execute(sql.SQL("LISTEN {}").format(channel))
                async for notify in connection.notifies():
                    await emit([Item(notification_json(notify.channel, notify.payload, notify.pid))])
        finally:
            if rule is not None and created:  # never drop a function this listener could not create
                await rule.drop(kwargs)
