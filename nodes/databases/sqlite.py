"""SQLite (Knotwork's own node; n8n has none): the v2 SQL operations on a database file inside
the files folder (KNOTWORK_FILES_DIR)."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter
from nodes.files.disk import resolve_path

from .common import ConnectionFailed, connection_failed
from .sql_params import v2_parameters
from .sql_session import StatementResult
from .sql_v2 import Flavour, execute_v2
from .sqlite_session import sqlite_session

VERSIONS = (1.0,)


def _written(result: StatementResult) -> dict[str, object]:
    return {"success": True}


FLAVOUR = Flavour(returning=True, write_result=_written)


class SqliteNode(NodeType):
    description = NodeDescription(
        name="knotwork.sqlite",
        display_name="SQLite",
        group="input",
        description="Query and change an SQLite database file in the files folder",
        versions=VERSIONS,
        default_version=1.0,
        parameters=(
            Parameter("database", "Database File", "string", default="database.sqlite", required=True,
                      placeholder="data/app.sqlite",
                      description="Path of the database file; relative paths start at the files folder "
                                  "(KNOTWORK_FILES_DIR). The file is created when missing."),
            *v2_parameters("sqlite", VERSIONS, VERSIONS),
        ),
        categories=("Development", "Data & Storage"),
        search_aliases=("SQL", "database", "sqlite3"),
        icon="database",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if not ctx.input_items:
            return [[]]
        path = resolve_path(ctx, str(ctx.param("database", 0, "") or ""), "database")
        timeout = float(ctx.param("options.connectionTimeout", 0, 30) or 30)
        try:
            async with sqlite_session(path, ctx.node.name, timeout) as session:
                return [await execute_v2(ctx, session, FLAVOUR)]
        except ConnectionFailed as error:
            return [connection_failed(ctx, error)]
