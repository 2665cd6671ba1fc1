"""Database nodes: PostgreSQL, MySQL/MariaDB, SQLite and Redis."""

from __future__ import annotations

from engine.node_api import NodeType

from .mysql import MySqlNode
from .postgres import PostgresNode
from .redis_node import RedisNode
from .sqlite import SqliteNode

NODE_TYPES: list[type[NodeType]] = [PostgresNode, MySqlNode, SqliteNode, RedisNode]
