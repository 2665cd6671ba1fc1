"""Alembic environment: runs on the connection Database.upgrade() passes in, or, from the alembic CLI,
on `-x url=…`, `sqlalchemy.url`, or the URL the settings give (KNOTWORK_DATABASE_URL / KNOTWORK_DATA_DIR).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from models.db import Database, database_url
from models.migrations import context_options

config = context.config


def cli_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get('url') or config.get_main_option('sqlalchemy.url')
    if url:
        return url
    from services.settings import load_settings  # the alembic CLI only; the app passes a connection

    return database_url(load_settings())


def run(connection: Connection) -> None:
    context.configure(connection=connection, **context_options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get('connection')
    if connection is not None:
        run(connection)
        return
    database = Database(cli_url())
    try:
        with database.engine.connect() as connection:
            run(connection)
            connection.commit()
    finally:
        database.dispose()


if context.is_offline_mode():
    context.configure(url=cli_url(), literal_binds=True, **context_options())
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
