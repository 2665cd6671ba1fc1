"""Persistence: SQLModel tables, sessions, Alembic migrations and repositories.

Empty for now: the tables (workflows, executions, credentials, users, workspaces) arrive with the
runtime issue. engine/ never imports this package.
"""
