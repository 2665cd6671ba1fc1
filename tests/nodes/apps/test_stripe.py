"""Stripe: form-encoded bodies with nested keys, starting_after paging, Stripe's error object."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from engine.errors import NodeApiError
from nodes.apps.stripe import APP

from .harness import execute_app, reply, run_app

CREDENTIALS = {"stripeApi": {"secretKey": "sk_test_123"}}
API = "https://api.stripe.com/v1"
CUSTOMER = {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "name": "Jenny Rosen",
            "email": "jennyrosen@example.com", "metadata": {"plan": "pro"}}


def form(request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode())


async def test_create_customer_form_encodes_nested_address_and_metadata() -> None:
    run = await run_app(APP, {"resource": "customer", "operation": "create", "name": "Jenny Rosen",
                              "additionalFields": {
                                  "email": "jennyrosen@example.com",
                                  "address": {"details": {"city": "Paris", "country": "FR", "line1": ""}},
                                  "metadata": {"metadataProperties": [{"key": "plan", "value": "pro"},
                                                                      {"key": "seats", "value": "5"}]}}},
                        responses=[reply(CUSTOMER)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/customers")
    assert request.headers["authorization"] == "Bearer sk_test_123"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == [("name", "Jenny Rosen"), ("email", "jennyrosen@example.com"),
                             ("address[city]", "Paris"), ("address[country]", "FR"),
                             ("metadata[plan]", "pro"), ("metadata[seats]", "5")]
    assert run.json == [CUSTOMER]


async def test_get_update_and_delete_customer() -> None:
    deleted = {"id": "cus_1", "object": "customer", "deleted": True}
    answers = [reply(CUSTOMER), reply({**CUSTOMER, "phone": "+33 1"}), reply(deleted)]
    run = await run_app(APP, {"resource": "customer", "operation": "get", "customerId": "cus_1"},
                        responses=answers[:1], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/customers/cus_1")
    assert run.json == [CUSTOMER]
    run = await run_app(APP, {"resource": "customer", "operation": "update", "customerId": "cus_1",
                              "updateFields": {"phone": "+33 1"}}, responses=answers[1:2], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/customers/cus_1")
    assert form(run.requests[0]) == [("phone", "+33 1")]
    run = await run_app(APP, {"resource": "customer", "operation": "delete", "customerId": "cus_1"},
                        responses=answers[2:], credentials=CREDENTIALS)
    assert run.requests[0].method == "DELETE"
    assert run.json == [deleted]


async def test_get_all_customers_pages_with_starting_after_while_has_more() -> None:
    pages = [reply({"object": "list", "url": "/v1/customers", "has_more": True,
                    "data": [{"id": "cus_1"}, {"id": "cus_2"}]}),
             reply({"object": "list", "url": "/v1/customers", "has_more": False, "data": [{"id": "cus_3"}]})]
    run = await run_app(APP, {"resource": "customer", "operation": "getAll", "returnAll": True,
                              "filters": {"email": "a@b.c"}}, responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "cus_1"}, {"id": "cus_2"}, {"id": "cus_3"}]
    assert [str(r.url) for r in run.requests] == [
        f"{API}/customers?email=a%40b.c&limit=100",
        f"{API}/customers?email=a%40b.c&limit=100&starting_after=cus_2"]


async def test_get_all_with_a_limit_asks_for_that_many() -> None:
    page = reply({"object": "list", "has_more": True, "data": [{"id": "ch_1"}, {"id": "ch_2"}]})
    run = await run_app(APP, {"resource": "charge", "operation": "getAll", "limit": 2},
                        responses=[page], credentials=CREDENTIALS)
    assert [str(r.url) for r in run.requests] == [f"{API}/charges?limit=2"]
    assert run.json == [{"id": "ch_1"}, {"id": "ch_2"}]


async def test_create_charge_and_get_charge_and_balance() -> None:
    charge = {"id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1099, "currency": "usd"}
    run = await run_app(APP, {"resource": "charge", "operation": "create", "customerId": "cus_1", "amount": 1099,
                              "currency": "usd", "source": "card_1",
                              "additionalFields": {"description": "Order 7",
                                                   "metadata": {"metadataProperties": [{"key": "order",
                                                                                        "value": "7"}]}}},
                        responses=[reply(charge)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/charges")
    assert form(run.requests[0]) == [("customer", "cus_1"), ("amount", "1099"), ("currency", "usd"),
                                     ("source", "card_1"), ("description", "Order 7"), ("metadata[order]", "7")]
    assert run.json == [charge]
    run = await run_app(APP, {"resource": "charge", "operation": "get", "chargeId": "ch_3"},
                        responses=[reply(charge)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/charges/ch_3"
    balance = {"object": "balance", "available": [{"amount": 666670, "currency": "usd"}], "livemode": False}
    run = await run_app(APP, {"resource": "balance", "operation": "get"}, responses=[reply(balance)],
                        credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/balance")
    assert run.json == [balance]


async def test_card_error_shows_stripes_message() -> None:
    error = {"error": {"code": "resource_missing", "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                       "message": "No such customer: 'cus_nope'", "param": "id", "type": "invalid_request_error"}}
    run = await run_app(APP, {"resource": "customer", "operation": "get", "customerId": "cus_nope"},
                        responses=[reply(error, status=404)], credentials=CREDENTIALS)
    assert run.error["message"] == ("The resource you are requesting could not be found (404): "
                                    "No such customer: 'cus_nope'")


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"error": {"message": "Too many requests", "type": "rate_limit_error"}}, status=429,
                    headers={"Retry-After": "2"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "balance", "operation": "get"}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 2.0, "Too many requests")
    failed = reply({"error": {"message": "An unknown error occurred", "type": "api_error"}}, status=500)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "balance", "operation": "get"}, responses=[failed],
                          credentials=CREDENTIALS)
    assert raised.value.http_code == 500
    assert raised.value.description == "An unknown error occurred"


async def test_charge_shipping_and_source_from_additional_fields() -> None:
    run = await run_app(APP, {"resource": "charge", "operation": "create", "customerId": "cus_1", "amount": 500,
                              "currency": "eur", "additionalFields": {
                                  "source": "card_9",
                                  "shipping": {"shippingProperties": [{"name": "Ann", "address": "1 Rue X"}]}}},
                        responses=[reply({"id": "ch_1"})], credentials=CREDENTIALS)
    assert form(run.requests[0]) == [("customer", "cus_1"), ("amount", "500"), ("currency", "eur"),
                                     ("source", "card_9"), ("shipping[name]", "Ann"),
                                     ("shipping[address][line1]", "1 Rue X")]
