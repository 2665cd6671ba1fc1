"""The API documents itself: an OpenAPI document and Swagger UI served without internet access."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_document_and_offline_docs(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    assert document["info"]["title"] == "Knotwork public API"
    schemes = document["components"]["securitySchemes"]
    assert {scheme["name"] for scheme in schemes.values()} == {"X-KNOTWORK-API-KEY", "X-N8N-API-KEY"}

    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "/api/v1/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
    assert "/api/v1/openapi.json" in docs.text
    script = api.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
