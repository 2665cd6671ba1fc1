"""Liveness probe: GET /healthz answers {"status": "ok"} while the web process serves requests."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


@router.get('/healthz')
def healthz() -> dict[str, str]:
    """Report that the process is up; checks no database or broker (there are none to check yet)."""
    return {'status': 'ok'}
