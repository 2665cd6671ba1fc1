"""The real MariaDB (127.0.0.1:3306, root, no password) standing in for the MySQL driver mock.

n8n's MySQL test mocks the connection: `query()` resolves to `[{success: true}]` and the test
checks the exact SQL sent. Here the file runs against a real database holding a table that yields
that row, and the general log (switched to a table for the run, then restored) shows the SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .harness import FixtureUnavailable

HOST, PORT, USER, DATABASE = "127.0.0.1", 3306, "root", "knotwork_conformance"

# Per file: the tables its query reads. `parent_email` is INVISIBLE so that `select *` returns only
# `success`, the row the upstream mock returns. (BOOLEAN is TINYINT(1): a driver reads it as 1.)
TABLES: dict[str, tuple[str, ...]] = {
    "MySql/test/v1/executeQuery.workflow.json": (
        "CREATE TABLE family_parents (parent_email VARCHAR(255) INVISIBLE, success BOOLEAN)",
        "INSERT INTO family_parents (parent_email, success) VALUES ('parent1@mail.com', TRUE)",
    ),
}
_TABLE_NAME = re.compile(r"CREATE TABLE (\w+)")


@dataclass
class Database:
    connection: Any
    started: dt.datetime
    logging: bool  # the general log is on: `statements` can tell what was sent

    def credential(self) -> dict[str, Any]:
        """The `mySql` credential data the workflow's nodes get."""
        return {"host": HOST, "port": PORT, "user": USER, "password": "", "database": DATABASE, "ssl": False}

    def statements(self, prefix: str) -> list[str] | None:
        """Queries sent since the run started whose text starts with `prefix` (case-insensitive);
        None when the general log could not be switched on."""
        if not self.logging:
            return None
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT argument FROM mysql.general_log WHERE command_type = 'Query' AND event_time >= %s",
                (self.started.replace(tzinfo=None),),
            )
            texts = [_text(row[0]) for row in cursor.fetchall()]
        return [text for text in texts if text.strip().lower().startswith(prefix.strip().lower())]


def expected_sql(requirements: dict[str, Any]) -> str | None:
    """The SQL of requirements.json's `extraAssertion` ("query() called exactly once with: ...")."""
    text = str(requirements.get("extraAssertion", ""))
    return text.split("with: ", 1)[1].strip() if "with: " in text else None


@contextmanager
def database_for(relative: str) -> Iterator[Database]:
    """The file's tables in a scratch database, the general log on; all undone on exit.
    Raises FixtureUnavailable when MariaDB cannot be reached."""
    try:
        import pymysql

        connection = pymysql.connect(host=HOST, port=PORT, user=USER, password="", connect_timeout=2, autocommit=True)
    except Exception as error:  # driver missing or server down: the file cannot run here
        raise FixtureUnavailable(f"MariaDB not reachable at {HOST}:{PORT} ({error})") from None
    tables = TABLES.get(relative, ())
    with connection:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
            cursor.execute(f"USE {DATABASE}")
            for statement in tables:
                if (name := _TABLE_NAME.match(statement)) is not None:
                    cursor.execute(f"DROP TABLE IF EXISTS {name.group(1)}")
                cursor.execute(statement)
            cursor.execute("SELECT @@global.general_log, @@global.log_output, NOW(6)")
            general_log, log_output, now = cursor.fetchone()
            logging = _log_to_table(cursor, log_output)
        try:
            yield Database(connection, now, logging)
        finally:
            with connection.cursor() as cursor:
                if logging:
                    cursor.execute("SET GLOBAL general_log = %s", (int(general_log),))
                    cursor.execute("SET GLOBAL log_output = %s", (log_output,))
                for statement in tables:
                    if (name := _TABLE_NAME.match(statement)) is not None:
                        cursor.execute(f"DROP TABLE IF EXISTS {name.group(1)}")


def _log_to_table(cursor: Any, log_output: str) -> bool:
    """Switch the general log on, into mysql.general_log; False when not allowed (no SQL check)."""
    import pymysql

    outputs = log_output if "TABLE" in log_output else f"{log_output},TABLE".replace("NONE,", "")
    try:
        cursor.execute("SET GLOBAL log_output = %s", (outputs,))
        cursor.execute("SET GLOBAL general_log = 1")
    except pymysql.MySQLError:
        return False
    return True


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
