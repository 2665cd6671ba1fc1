"""HubSpot (n8n `hubspot` v2): contacts, deals and companies with a private app token.

Deviation: n8n still calls the legacy v1 contact/deal endpoints for several operations; these go
through the CRM v3 objects API (`/crm/v3/objects/...`), whose answers are `{id, properties,
createdAt, updatedAt, archived}` and whose lists page with `paging.next.after`. n8n's field names
(`firstName`, `phoneNumber`, ...) are mapped to HubSpot's internal property names. A contact upsert
is v3's batch upsert keyed by email (one input)."""

from __future__ import annotations

from typing import Any

from engine.node_api import Group

from .credentials import bearer_token
from .framework import (
    App,
    Args,
    Auth,
    Cursor,
    Operation,
    Parameter,
    Resource,
)

HUBSPOT_APP_TOKEN = bearer_token("hubspotAppToken", "HubSpot App Token", "appToken", "APP Token",
                                 "https://api.hubapi.com/crm/v3/objects/contacts?limit=1", "hubspot")

# n8n's additional-field names → HubSpot's internal property names.
CONTACT_PROPERTIES = {
    "firstName": "firstname", "lastName": "lastname", "phoneNumber": "phone", "mobilePhoneNumber": "mobilephone",
    "companyName": "company", "jobTitle": "jobtitle", "websiteUrl": "website", "streetAddress": "address",
    "city": "city", "stateRegion": "state", "postalCode": "zip", "country": "country",
    "lifeCycleStage": "lifecyclestage", "leadStatus": "hs_lead_status", "message": "message",
}
DEAL_PROPERTIES = {"dealName": "dealname", "amount": "amount", "closeDate": "closedate", "pipeline": "pipeline",
                   "dealType": "dealtype", "description": "description", "dealOwner": "hubspot_owner_id"}
COMPANY_PROPERTIES = {"websiteUrl": "website", "industry": "industry", "city": "city", "country": "country",
                      "phoneNumber": "phone", "description": "description", "numberOfEmployees": "numberofemployees",
                      "annualRevenue": "annualrevenue", "companyDomainName": "domain", "type": "type"}

_CUSTOM = Parameter("customPropertiesUi", "Custom Properties", "fixedCollection", default={}, multiple=True,
                    groups=(Group("customPropertiesValues", "Custom Property", (
                        Parameter("property", "Property", "string", default="",
                                  description="HubSpot's internal property name"),
                        Parameter("value", "Value", "string", default=""))),))


def _fields(names: dict[str, str], label: str = "Additional Fields") -> Parameter:
    kinds = {"closeDate": "dateTime", "amount": "string", "numberOfEmployees": "number"}
    return Parameter("additionalFields", label, "collection", default={}, fields=(
        *(Parameter(name, name[:1].upper() + name[1:], kinds.get(name, "string"), default="")
          for name in sorted(names)), _CUSTOM))


def _properties(fields: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """n8n's additional fields as HubSpot properties (custom properties by their own names)."""
    properties = {names[key]: value for key, value in fields.items() if key in names and value not in (None, "")}
    custom = (fields.get("customPropertiesUi") or {}).get("customPropertiesValues") or []
    properties.update({entry["property"]: entry.get("value", "") for entry in custom if entry.get("property")})
    return properties


def _properties_query(args: Args) -> dict[str, Any]:
    wanted = (args.get("additionalFields") or {}).get("properties") or []
    return {"properties": ",".join(wanted) if isinstance(wanted, list) else wanted}


def _upsert_body(args: Args) -> dict[str, Any]:
    properties = _properties(dict(args["additionalFields"] or {}), CONTACT_PROPERTIES)
    return {"inputs": [{"idProperty": "email", "id": args["email"],
                        "properties": {"email": args["email"], **properties}}]}


def _first_result(body: Any, args: Args) -> Any:
    return (body.get("results") or [None])[0] if isinstance(body, dict) else body


_LIST_FIELDS = Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
    Parameter("properties", "Properties", "string", default="",
              description="The properties to return: HubSpot's internal names, comma-separated"),))
_CONTACT_ID = Parameter("contactId", "Contact ID", "string", default="", required=True,
                        description="This is not a contact's email but a number like 1485")

CONTACT_UPSERT = Operation(
    "upsert", "Create or Update", "POST", "/crm/v3/objects/contacts/batch/upsert",
    description="Create a new contact, or update the current one if it already exists (upsert)",
    parameters=(Parameter("email", "Email", "string", default="", required=True, placeholder="name@email.com"),
                _fields(CONTACT_PROPERTIES)),
    body=_upsert_body, items=_first_result,
)

CONTACT_GET = Operation("get", "Get", "GET", "/crm/v3/objects/contacts/{contactId}", description="Get a contact",
                        parameters=(_CONTACT_ID, _LIST_FIELDS), query=_properties_query)

CONTACT_GET_ALL = Operation(
    "getAll", "Get Many", "GET", "/crm/v3/objects/contacts", description="Get many contacts",
    parameters=(_LIST_FIELDS,), query=_properties_query, items="results",
    pagination=Cursor("paging.next.after", "after", size_param="limit", max_size=100), limit_default=100,
)

CONTACT_DELETE = Operation("delete", "Delete", "DELETE", "/crm/v3/objects/contacts/{contactId}",
                           description="Delete a contact", parameters=(_CONTACT_ID,))

DEAL_CREATE = Operation(
    "create", "Create", "POST", "/crm/v3/objects/deals", description="Create a deal",
    parameters=(Parameter("stage", "Deal Stage", "string", default="", required=True,
                          description="The deal stage's internal ID, e.g. appointmentscheduled"),
                _fields(DEAL_PROPERTIES)),
    body=lambda args: {"properties": {"dealstage": args["stage"],
                                      **_properties(dict(args["additionalFields"] or {}), DEAL_PROPERTIES)}},
)

DEAL_GET = Operation("get", "Get", "GET", "/crm/v3/objects/deals/{dealId}", description="Get a deal",
                     parameters=(Parameter("dealId", "Deal ID", "string", default="", required=True),
                                 _LIST_FIELDS), query=_properties_query)

COMPANY_CREATE = Operation(
    "create", "Create", "POST", "/crm/v3/objects/companies", description="Create a company",
    parameters=(Parameter("name", "Name", "string", default="", required=True), _fields(COMPANY_PROPERTIES)),
    body=lambda args: {"properties": {"name": args["name"],
                                      **_properties(dict(args["additionalFields"] or {}), COMPANY_PROPERTIES)}},
)

APP = App(
    name="hubspot",
    display_name="HubSpot",
    description="Consume HubSpot API",
    base_url="https://api.hubapi.com",
    auth=(Auth(HUBSPOT_APP_TOKEN, "appToken", "APP Token"),),
    resources=(
        Resource("contact", "Contact", (CONTACT_UPSERT, CONTACT_DELETE, CONTACT_GET, CONTACT_GET_ALL)),
        Resource("company", "Company", (COMPANY_CREATE,)),
        Resource("deal", "Deal", (DEAL_CREATE, DEAL_GET)),
    ),
    aliases=("n8n-nodes-base.hubspot",),
    versions=(2.0, 2.1, 2.2),
    icon="hub",
    categories=("Sales", "Marketing"),
    search_aliases=("crm",),
    documentation_url="https://developers.hubspot.com/docs/api/crm/understanding-the-crm",
)
