"""Stripe (n8n `stripe` v1): customers, charges and the balance through Stripe's REST API.

Stripe takes form-encoded bodies with nested keys (`metadata[plan]=pro`, `address[city]=Paris`),
which the form body writes from nested objects. Lists answer `{"object": "list", "data": [...],
"has_more": true}` and page with `starting_after=<last id>`. Amounts are in the currency's
smallest unit, as Stripe (and n8n) take them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.node_api import Group
from nodes.http.spec import RequestSpec

from .credentials import bearer_token
from .framework import (
    App,
    Args,
    Auth,
    Operation,
    Parameter,
    Resource,
)
from .pagination import Page

STRIPE_API = bearer_token("stripeApi", "Stripe API", "secretKey", "Secret Key", "https://api.stripe.com/v1/charges",
                          "stripe")


@dataclass(frozen=True)
class StartingAfter:
    """Stripe's list paging: while `has_more`, ask again with `starting_after` = the last id."""

    size_param: str = "limit"
    max_size: int = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        if not (isinstance(page.body, dict) and page.body.get("has_more")) or not page.items:
            return None
        return replace(spec, query={**spec.query, "starting_after": page.items[-1]["id"]})


def _metadata(entries: Any) -> dict[str, Any]:
    """n8n's `metadata.metadataProperties` [{key, value}] as Stripe's metadata object."""
    found = entries.get("metadataProperties", []) if isinstance(entries, dict) else entries or []
    return {entry["key"]: entry.get("value", "") for entry in found if isinstance(entry, dict) and entry.get("key")}


def _address(value: Any) -> dict[str, Any]:
    details = value.get("details", {}) if isinstance(value, dict) else {}
    return {key: val for key, val in details.items() if val not in (None, "")}


def _customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """n8n's customer Additional/Update Fields as Stripe's form fields."""
    body = {key: value for key, value in fields.items() if key not in ("address", "metadata", "shipping")}
    if "address" in fields:
        body["address"] = _address(fields["address"])
    if "metadata" in fields:
        body["metadata"] = _metadata(fields["metadata"])
    if "shipping" in fields:
        shipping = fields["shipping"].get("shippingProperties") if isinstance(fields["shipping"], dict) else None
        first = (shipping[0] if shipping else {}) if isinstance(shipping, list) else shipping or {}
        body["shipping"] = {"name": first.get("name", ""), "phone": first.get("phone", ""),
                            "address": _address(first.get("address"))}
    return body


_CUSTOMER_ID = Parameter("customerId", "Customer ID", "string", default="", required=True,
                         description="ID of the customer")
_METADATA = Parameter("metadata", "Metadata", "fixedCollection", default={}, multiple=True,
                      placeholder="Add Metadata Item", groups=(Group("metadataProperties", "Metadata Properties", (
                          Parameter("key", "Key", "string", default=""),
                          Parameter("value", "Value", "string", default=""))),))
_ADDRESS = Parameter("address", "Address", "fixedCollection", default={}, groups=(Group("details", "Details", (
    Parameter("line1", "Line 1", "string", default=""), Parameter("line2", "Line 2", "string", default=""),
    Parameter("city", "City", "string", default=""), Parameter("state", "State", "string", default=""),
    Parameter("postal_code", "Postal Code", "string", default=""),
    Parameter("country", "Country", "string", default=""))),))


def _customer_options(name: str, display_name: str) -> Parameter:
    return Parameter(name, display_name, "collection", default={}, fields=(
        _ADDRESS, Parameter("description", "Description", "string", default=""),
        Parameter("email", "Email", "string", default="", placeholder="name@email.com"), _METADATA,
        Parameter("name", "Name", "string", default=""), Parameter("phone", "Phone", "string", default="")))


CUSTOMER_CREATE = Operation(
    "create", "Create", "POST", "/customers", description="Create a customer",
    parameters=(Parameter("name", "Name", "string", default="", required=True),
                _customer_options("additionalFields", "Additional Fields")),
    body=lambda args: {"name": args["name"], **_customer_fields(dict(args["additionalFields"] or {}))},
    body_format="form",
)

CUSTOMER_GET = Operation("get", "Get", "GET", "/customers/{customerId}", description="Get a customer",
                         parameters=(_CUSTOMER_ID,))

CUSTOMER_UPDATE = Operation(
    "update", "Update", "POST", "/customers/{customerId}", description="Update a customer",
    parameters=(_CUSTOMER_ID, _customer_options("updateFields", "Update Fields")),
    body=lambda args: _customer_fields(dict(args["updateFields"] or {})), body_format="form",
)

CUSTOMER_GET_ALL = Operation(
    "getAll", "Get Many", "GET", "/customers", description="Get many customers",
    parameters=(Parameter("filters", "Filters", "collection", default={}, fields=(
        Parameter("email", "Email", "string", default="", description="Customer's email to filter by"),)),),
    query={"*": "filters"}, items="data", pagination=StartingAfter(),
)

CUSTOMER_DELETE = Operation("delete", "Delete", "DELETE", "/customers/{customerId}",
                            description="Delete a customer", parameters=(_CUSTOMER_ID,))


def _charge_body(args: Args) -> dict[str, Any]:
    fields = dict(args["additionalFields"] or {})
    if "metadata" in fields:
        fields["metadata"] = _metadata(fields["metadata"])
    if "shipping" in fields:  # n8n's charge shipping: [{name, address}], the address one line
        entries = (fields.pop("shipping") or {}).get("shippingProperties") or [{}]
        first = entries[0] if isinstance(entries, list) and entries else entries or {}
        fields["shipping"] = {"name": first.get("name", ""), "address": {"line1": first.get("address", "")}}
    return {"customer": args["customerId"], "amount": args["amount"], "currency": args["currency"],
            "source": args["source"], **fields}


_CHARGE_ID = Parameter("chargeId", "Charge ID", "string", default="", required=True,
                       description="ID of the charge")

CHARGE_CREATE = Operation(
    "create", "Create", "POST", "/charges", description="Create a charge",
    parameters=(
        _CUSTOMER_ID,
        Parameter("amount", "Amount", "number", default=0, required=True,
                  description="Amount in cents to be collected for this charge, e.g. enter 100 for $1.00"),
        Parameter("currency", "Currency", "string", default="", required=True, placeholder="usd",
                  description="Three-letter ISO currency code"),
        Parameter("source", "Source ID", "string", default="",
                  description="ID of the customer's payment source to be charged (n8n also takes it in "
                              "Additional Fields)"),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            Parameter("description", "Description", "string", default=""), _METADATA,
            Parameter("receipt_email", "Receipt Email", "string", default=""),
            Parameter("shipping", "Shipping", "fixedCollection", default={}, multiple=True, groups=(
                Group("shippingProperties", "Shipping Properties", (
                    Parameter("address", "Address", "string", default=""),
                    Parameter("name", "Recipient Name", "string", default=""))),)),
            Parameter("source", "Source ID", "string", default=""),
        )),
    ),
    body=_charge_body, body_format="form",
)

CHARGE_GET = Operation("get", "Get", "GET", "/charges/{chargeId}", description="Get a charge",
                       parameters=(_CHARGE_ID,))

CHARGE_GET_ALL = Operation("getAll", "Get Many", "GET", "/charges", description="Get many charges",
                           items="data", pagination=StartingAfter(), limit_default=5)

BALANCE_GET = Operation("get", "Get", "GET", "/balance", description="Get a balance")

APP = App(
    name="stripe",
    display_name="Stripe",
    description="Consume the Stripe API",
    base_url="https://api.stripe.com/v1",
    auth=(Auth(STRIPE_API, "apiKey", "API Key"),),
    resources=(
        Resource("balance", "Balance", (BALANCE_GET,)),
        # n8n's default operation of both is "get".
        Resource("charge", "Charge", (CHARGE_GET, CHARGE_CREATE, CHARGE_GET_ALL)),
        Resource("customer", "Customer", (CUSTOMER_GET, CUSTOMER_CREATE, CUSTOMER_DELETE, CUSTOMER_GET_ALL,
                                          CUSTOMER_UPDATE)),
    ),
    aliases=("n8n-nodes-base.stripe",),
    versions=(1.0,),
    icon="payments",
    categories=("Finance & Accounting",),
    search_aliases=("payments", "billing"),
    documentation_url="https://docs.stripe.com/api",
)

