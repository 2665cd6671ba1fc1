"""Google Sheets: the sheet-list lookup, values API requests, header-row mapping, OAuth2 and service
account signing, Google's error object."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from engine.errors import NodeApiError
from engine.items import Item
from nodes.apps.google_sheets import APP

from .harness import body_of, execute_app, reply, run_app

OAUTH = {"googleSheetsOAuth2Api": {"clientId": "cid", "clientSecret": "cs",
                                   "oauthTokenData": {"access_token": "ya29.token", "token_type": "Bearer"}}}
DOC = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
API = f"https://sheets.googleapis.com/v4/spreadsheets/{DOC}"
SHEETS = {"sheets": [{"properties": {"sheetId": 0, "title": "Sheet1", "index": 0}},
                     {"properties": {"sheetId": 1642087373, "title": "Q1 'Leads'", "index": 1}}]}
VALUES = {"range": "Sheet1!A1:Z1000", "majorDimension": "ROWS",
          "values": [["name", "email", "score"], ["Ann", "ann@x.io", 7], ["Bob", "bob@x.io"], ["Cy", "cy@x.io", 7]]}
DOC_URL = {"__rl": True, "value": f"https://docs.google.com/spreadsheets/d/{DOC}/edit#gid=0", "mode": "url"}


def sheet(name: str = "Sheet1") -> dict:
    return {"documentId": DOC_URL, "sheetName": {"__rl": True, "value": name, "mode": "name"}}


async def test_read_rows_turns_the_header_row_into_keys_with_row_numbers() -> None:
    run = await run_app(APP, {"resource": "sheet", "operation": "read", **sheet()},
                        responses=[reply(SHEETS), reply(VALUES)], credentials=OAUTH)
    assert [(r.method, str(r.url)) for r in run.requests] == [
        ("GET", f"{API}?fields=sheets.properties"),
        ("GET", f"{API}/values/%27Sheet1%27?valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING")]
    assert all(r.headers["authorization"] == "Bearer ya29.token" for r in run.requests)
    assert run.json == [{"row_number": 2, "name": "Ann", "email": "ann@x.io", "score": 7},
                        {"row_number": 3, "name": "Bob", "email": "bob@x.io", "score": ""},
                        {"row_number": 4, "name": "Cy", "email": "cy@x.io", "score": 7}]


async def test_read_by_sheet_id_with_a_filter() -> None:
    run = await run_app(APP, {"resource": "sheet", "operation": "read", "documentId": DOC,
                              "sheetName": {"__rl": True, "value": "1642087373", "mode": "list"},
                              "filtersUI": {"values": [{"lookupColumn": "score", "lookupValue": "7"}]}},
                        responses=[reply(SHEETS), reply(VALUES)], credentials=OAUTH)
    assert run.requests[1].url.path == f"/v4/spreadsheets/{DOC}/values/'Q1 ''Leads'''"
    assert [row["name"] for row in run.json] == ["Ann", "Cy"]


async def test_append_maps_the_items_fields_to_the_header_row() -> None:
    appended = {"spreadsheetId": DOC, "tableRange": "Sheet1!A1:C4",
                "updates": {"updatedRange": "Sheet1!A5:C5", "updatedRows": 1}}
    run = await run_app(APP, {"resource": "sheet", "operation": "append", **sheet()},
                        responses=[reply(SHEETS), reply({"values": [["name", "email", "score"]]}), reply(appended)],
                        credentials=OAUTH, items=[Item({"email": "dee@x.io", "name": "Dee", "extra": 1})])
    assert [(r.method, str(r.url)) for r in run.requests] == [
        ("GET", f"{API}?fields=sheets.properties"), ("GET", f"{API}/values/%27Sheet1%27%211%3A1"),
        ("POST", f"{API}/values/%27Sheet1%27%21A%3AA:append?valueInputOption=USER_ENTERED")]
    assert body_of(run.requests[2]) == {"values": [["Dee", "dee@x.io", ""]]}
    assert run.json == [{"email": "dee@x.io", "name": "Dee", "extra": 1}]


async def test_append_defined_columns_to_an_empty_sheet_writes_the_header_first() -> None:
    run = await run_app(APP, {"resource": "sheet", "operation": "append", **sheet(),
                              "columns": {"mappingMode": "defineBelow", "value": {"name": "Eve", "score": 3}},
                              "options": {"cellFormat": "RAW"}},
                        responses=[reply(SHEETS), reply({"range": "Sheet1!A1:Z1", "majorDimension": "ROWS"}),
                                   reply({"spreadsheetId": DOC})], credentials=OAUTH)
    assert run.requests[2].url.params["valueInputOption"] == "RAW"
    assert body_of(run.requests[2]) == {"values": [["name", "score"], ["Eve", 3]]}
    assert run.json == [{"name": "Eve", "score": 3}]


async def test_update_writes_the_mapped_cells_of_every_matching_row() -> None:
    run = await run_app(APP, {"resource": "sheet", "operation": "update", **sheet(),
                              "columns": {"mappingMode": "defineBelow", "matchingColumns": ["score"],
                                          "value": {"score": 7, "email": "new@x.io"}}},
                        responses=[reply(SHEETS), reply(VALUES), reply({"spreadsheetId": DOC, "totalUpdatedCells": 2})],
                        credentials=OAUTH)
    assert (run.requests[1].method, str(run.requests[1].url)) == ("GET", f"{API}/values/%27Sheet1%27")
    assert (run.requests[2].method, str(run.requests[2].url)) == ("POST", f"{API}/values:batchUpdate")
    assert body_of(run.requests[2]) == {"valueInputOption": "USER_ENTERED", "data": [
        {"range": "'Sheet1'!B2", "values": [["new@x.io"]]}, {"range": "'Sheet1'!B4", "values": [["new@x.io"]]}]}
    assert run.json == [{"score": 7, "email": "new@x.io"}]


async def test_clear_whole_sheet_keeping_the_header_and_a_range() -> None:
    cleared = {"spreadsheetId": DOC, "clearedRange": "Sheet1!A2:Z1000"}
    run = await run_app(APP, {"resource": "sheet", "operation": "clear", **sheet(), "keepFirstRow": True},
                        responses=[reply(SHEETS), reply(cleared)], credentials=OAUTH)
    assert (run.requests[1].method, str(run.requests[1].url)) == (
        "POST", f"{API}/values/%27Sheet1%27%212%3A10000000:clear")
    assert run.json == [cleared]
    run = await run_app(APP, {"resource": "sheet", "operation": "clear", **sheet(), "clear": "specificRange",
                              "range": "A1:B2"}, responses=[reply(SHEETS), reply(cleared)], credentials=OAUTH)
    assert str(run.requests[1].url) == f"{API}/values/%27Sheet1%27%21A1%3AB2:clear"


async def test_create_spreadsheet() -> None:
    created = {"spreadsheetId": "new1", "properties": {"title": "Budget"}, "spreadsheetUrl": "https://docs.google.com/x"}
    run = await run_app(APP, {"resource": "spreadsheet", "operation": "create", "title": "Budget",
                              "sheetsUi": {"sheetValues": [{"title": "2024"}]}, "options": {"locale": "en_GB"}},
                        responses=[reply(created)], credentials=OAUTH)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", "https://sheets.googleapis.com/v4/spreadsheets")
    assert body_of(run.requests[0]) == {"properties": {"title": "Budget", "locale": "en_GB"},
                                        "sheets": [{"properties": {"title": "2024", "hidden": False}}]}
    assert run.json == [created]


async def test_service_account_gets_a_token_with_a_signed_jwt_once_per_run() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    credentials = {"googleApi": {"email": "bot@proj.iam.gserviceaccount.com", "privateKey": pem.replace("\n", "\\n")}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth2.googleapis.com":
            return reply({"access_token": "ya29.sa", "expires_in": 3599, "token_type": "Bearer"})
        return reply(SHEETS) if "fields" in request.url.params else reply(VALUES)

    run = await run_app(APP, {"authentication": "serviceAccount", "resource": "sheet", "operation": "read",
                              **sheet()}, responses=answer, credentials=credentials, items=[Item({}), Item({})])
    token, *calls = run.requests
    assert (token.method, str(token.url)) == ("POST", "https://oauth2.googleapis.com/token")
    form = dict(parse_qsl(token.content.decode()))
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, payload, signature = form["assertion"].split(".")
    pad = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))  # noqa: E731
    key.public_key().verify(pad(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    claims = json.loads(pad(payload))
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (
        "bot@proj.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token", 3600)
    assert "https://www.googleapis.com/auth/spreadsheets" in claims["scope"].split()
    assert len(calls) == 4 and all(r.headers["authorization"] == "Bearer ya29.sa" for r in calls)
    assert len(run.json) == 6


async def test_refused_service_account_token_is_named() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    run = await run_app(APP, {"authentication": "serviceAccount", "resource": "sheet", "operation": "read", **sheet()},
                        responses=[reply({"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
                                         status=400)],
                        credentials={"googleApi": {"email": "bot@p.iam.gserviceaccount.com", "privateKey": pem}})
    assert run.error["message"] == ("Could not sign the request: Google refused the service account token: "
                                    "Invalid JWT Signature.")


async def test_unknown_sheet_and_googles_errors() -> None:
    run = await run_app(APP, {"resource": "sheet", "operation": "read", **sheet("Nope")},
                        responses=[reply(SHEETS)], credentials=OAUTH)
    assert run.error["message"] == "Sheet 'Nope' is not in the spreadsheet (sheets: 'Sheet1', \"Q1 'Leads'\")"
    missing = {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
    run = await run_app(APP, {"resource": "sheet", "operation": "read", **sheet()},
                        responses=[reply(missing, status=404)], credentials=OAUTH)
    assert run.error["message"] == ("The resource you are requesting could not be found (404): "
                                    "Requested entity was not found.")


async def test_429_retry_after_and_5xx() -> None:
    parameters = {"resource": "spreadsheet", "operation": "create", "title": "x"}
    limited = reply({"error": {"code": 429, "message": "Quota exceeded for quota metric 'Write requests'",
                               "status": "RESOURCE_EXHAUSTED"}}, status=429, headers={"Retry-After": "60"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, parameters, responses=[limited], credentials=OAUTH)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 60.0)
    assert raised.value.description == "Quota exceeded for quota metric 'Write requests'"
    failed = reply({"error": {"code": 503, "message": "The service is currently unavailable.",
                              "status": "UNAVAILABLE"}}, status=503)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, parameters, responses=[failed], credentials=OAUTH)
    assert (raised.value.http_code, raised.value.description) == (503, "The service is currently unavailable.")
