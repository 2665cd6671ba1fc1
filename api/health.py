"""Probes and metrics, served by the web and the webhook processes alike.

GET /healthz            liveness: the process answers requests (checks nothing else).
GET /healthz/readiness  readiness: the database and the broker (Redis, in queue mode) answer; 503 naming
                        what failed otherwise, so a load balancer sends no calls to a process that cannot
                        start executions.
GET /metrics            Prometheus text format when KNOTWORK_METRICS=true, else 404 (services.metrics).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from api.errors import error_response

router = APIRouter()
log = logging.getLogger(__name__)


@router.get('/healthz')
def healthz() -> dict[str, str]:
    """Report that the process is up; checks no database or broker (readiness does)."""
    return {'status': 'ok'}


@router.get('/healthz/readiness')
def readiness(request: Request) -> JSONResponse:
    runtime = getattr(request.app.state, 'runtime', None)
    if runtime is None:
        return JSONResponse({'status': 'error', 'checks': {'runtime': 'this process has no runtime'}}, 503)
    checks = {'database': _check(lambda: _ping_database(runtime)), 'broker': _check(lambda: _ping_broker(runtime))}
    ready = all(result == 'ok' for result in checks.values())
    return JSONResponse({'status': 'ok' if ready else 'error', 'checks': checks}, 200 if ready else 503)


@router.get('/metrics')
def metrics(request: Request) -> Response:
    runtime = getattr(request.app.state, 'runtime', None)
    if runtime is None or not runtime.metrics.enabled:
        return error_response(404, 'not_found', 'Metrics are off; set KNOTWORK_METRICS=true to serve them')
    return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def _check(probe: Any) -> str:
    try:
        probe()
    except Exception as error:  # the answer names the failure; the log keeps the details
        log.warning('readiness check failed: %s', error)
        return f'{type(error).__name__}: {error}'.splitlines()[0][:300]
    return 'ok'


def _ping_database(runtime: Any) -> None:
    with runtime.db.connection() as connection:
        connection.execute(text('SELECT 1'))


def _ping_broker(runtime: Any) -> None:
    """Queue mode: Redis answers PING. Embedded mode's broker lives in this process."""
    if runtime.settings.redis_url:
        import redis

        client = redis.Redis.from_url(runtime.settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
