"""GET /healthz answers {"status": "ok"}."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from api import health


async def test_healthz_reports_ok() -> None:
    app = FastAPI()
    app.include_router(health.router)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://test') as client:
        response = await client.get('/healthz')

    assert response.status_code == 200
    assert response.json() == {'status': 'ok'}
