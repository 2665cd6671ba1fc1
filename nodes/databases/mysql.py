"""MySQL / MariaDB (n8n `mySql` v1, 2–2.5): the same operations as Postgres v2, without schemas.
MySQL has no RETURNING for updates: writes answer `{"success": true}`, or with
`options.detailedOutput` the affected rows and the new id."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType

from .common import ConnectionFailed, connection_failed
from .mysql_session import detailed_result, mysql_session
from .sql_params import v2_parameters
from .sql_v1 import execute_v1, v1_parameters
from .sql_v2 import Flavour, execute_v2

V2_VERSIONS = (2.0, 2.1, 2.2, 2.3, 2.4, 2.5)
MAPPER_VERSIONS = (2.2, 2.3, 2.4, 2.5)

FLAVOUR = Flavour(returning=False, write_result=lambda result: {"success": True},
                  detailed_result=detailed_result)


class MySqlNode(NodeType):
    description = NodeDescription(
        name="knotwork.mySql",
        display_name="MySQL",
        group="input",
        description="Get, add and update data in MySQL or MariaDB",
        versions=(1.0, *V2_VERSIONS),
        default_version=2.5,
        parameters=(*v1_parameters("mysql"), *v2_parameters("mysql", V2_VERSIONS, MAPPER_VERSIONS)),
        aliases=("n8n-nodes-base.mySql",),
        credentials=(CredentialSlot("mySql", required=True),),
        categories=("Development", "Data & Storage"),
        search_aliases=("SQL", "database", "MariaDB"),
        icon="database",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if not ctx.input_items:
            return [[]]
        data = await ctx.get_credentials("mySql")
        try:
            async with mysql_session(ctx, data) as session:
                if ctx.type_version < 2:
                    return [await execute_v1(ctx, session, FLAVOUR)]
                return [await execute_v2(ctx, session, FLAVOUR)]
        except ConnectionFailed as error:
            return [connection_failed(ctx, error)]
