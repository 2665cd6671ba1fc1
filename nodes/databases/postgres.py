"""PostgreSQL (n8n `postgres` v1, 2–2.6): execute queries with `$1` parameters, select, insert,
update, upsert and delete/truncate/drop, in single, independent or transactional batches."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType

from .common import ConnectionFailed, connection_failed
from .postgres_session import postgres_session
from .sql_params import v2_parameters
from .sql_v1 import execute_v1, v1_parameters
from .sql_v2 import Flavour, execute_v2

V2_VERSIONS = (2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6)
MAPPER_VERSIONS = (2.2, 2.3, 2.4, 2.5, 2.6)  # the resource mapper `columns` replaced dataMode in 2.2

# RETURNING gives the written rows; a write that matched nothing returns no item, as in n8n
FLAVOUR = Flavour(returning=True, write_result=lambda result: {"success": True})


class PostgresNode(NodeType):
    description = NodeDescription(
        name="knotwork.postgres",
        display_name="Postgres",
        group="input",
        description="Get, add and update data in PostgreSQL",
        versions=(1.0, *V2_VERSIONS),
        default_version=2.6,
        parameters=(*v1_parameters("postgres"), *v2_parameters("postgres", V2_VERSIONS, MAPPER_VERSIONS)),
        aliases=("n8n-nodes-base.postgres",),
        credentials=(CredentialSlot("postgres", required=True),),
        categories=("Development", "Data & Storage"),
        search_aliases=("SQL", "database", "pg"),
        icon="database",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if not ctx.input_items:
            return [[]]
        data = await ctx.get_credentials("postgres")
        try:
            async with postgres_session(ctx, data) as session:
                if ctx.type_version < 2:
                    return [await execute_v1(ctx, session, FLAVOUR)]
                return [await execute_v2(ctx, session, FLAVOUR)]
        except ConnectionFailed as error:
            return [connection_failed(ctx, error)]
