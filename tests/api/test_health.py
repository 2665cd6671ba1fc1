"""GET /healthz answers {"status": "ok"}; /healthz/readiness checks the database and the broker; /metrics
answers only when switched on."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx
from fastapi import FastAPI

from api import health
from models import Database
from services.metrics import Metrics


async def test_healthz_reports_ok() -> None:
    app = FastAPI()
    app.include_router(health.router)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://test') as client:
        response = await client.get('/healthz')

    assert response.status_code == 200
    assert response.json() == {'status': 'ok'}


def probe_app(runtime: object) -> FastAPI:
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(health.router)
    return app


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://test') as client:
        return await client.get(path)


async def test_readiness_checks_the_database_and_the_broker(database: Database) -> None:
    runtime = SimpleNamespace(db=database, settings=SimpleNamespace(redis_url=''))

    response = await get(probe_app(runtime), '/healthz/readiness')

    assert response.status_code == 200
    assert response.json() == {'status': 'ok', 'checks': {'database': 'ok', 'broker': 'ok'}}


async def test_readiness_names_an_unreachable_broker(database: Database) -> None:
    runtime = SimpleNamespace(db=database, settings=SimpleNamespace(redis_url='redis://127.0.0.1:1/0'))

    response = await get(probe_app(runtime), '/healthz/readiness')

    assert response.status_code == 503
    checks = response.json()['checks']
    assert checks['database'] == 'ok' and checks['broker'].startswith('ConnectionError: ')


async def test_readiness_names_an_unreachable_database(tmp_path: Path) -> None:
    broken = Database(f'sqlite:///{tmp_path}/missing-folder/x.db')
    runtime = SimpleNamespace(db=broken, settings=SimpleNamespace(redis_url=''))
    try:
        response = await get(probe_app(runtime), '/healthz/readiness')
    finally:
        broken.dispose()

    assert response.status_code == 503
    assert response.json()['checks']['database'].startswith('OperationalError: ')


async def test_metrics_answer_404_unless_switched_on(database: Database) -> None:
    off = SimpleNamespace(metrics=Metrics(enabled=False, db=database))
    on = SimpleNamespace(metrics=Metrics(enabled=True, db=database))
    on.metrics.webhook_request('production', 200)

    hidden, shown = await get(probe_app(off), '/metrics'), await get(probe_app(on), '/metrics')

    assert hidden.status_code == 404 and 'KNOTWORK_METRICS=true' in hidden.json()['message']
    assert shown.status_code == 200 and shown.headers['content-type'].startswith('text/plain; version=')
    assert 'knotwork_webhook_requests_total{kind="production",status="200"} 1.0' in shown.text.splitlines()
    assert 'knotwork_queue_depth 0.0' in shown.text.splitlines()
