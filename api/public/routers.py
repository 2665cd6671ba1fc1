"""Every router of the public API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from . import audit, credentials, executions, projects, tags, users, variables, workflows

ALL: list[APIRouter] = [
    workflows.router, executions.router, tags.router, credentials.router, variables.router, users.router,
    projects.router, audit.router,
]
