"""SendGrid (n8n `sendGrid` v1): mail, marketing contacts and lists through the v3 API with an API key.

Mail send answers 202 with no body: the item is `{success: true}` (n8n reports the
`X-Message-Id` header instead). Contact upserts and deletes are jobs (`{job_id}`). Lists page with
the `_metadata.next` URL. Errors are `{"errors": [{"message", "field"}]}`."""

from __future__ import annotations

from typing import Any

import httpx

from engine.node_api import Group

from .framework import (
    App,
    Args,
    Auth,
    BearerAuth,
    CredentialTest,
    CredentialType,
    NextUrl,
    Operation,
    Option,
    Parameter,
    Resource,
    default_error,
)

SENDGRID_API = CredentialType(
    name="sendGridApi",
    display_name="SendGrid API",
    fields=(Parameter("apiKey", "API Key", "string", default="", required=True, type_options={"password": True}),),
    authenticate=BearerAuth(token="{apiKey}"),
    test=CredentialTest(url="https://api.sendgrid.com/v3/marketing/contacts"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/sendgrid/",
)


def read_error(response: httpx.Response, body: Any) -> str | None:
    """SendGrid's `errors` list as one line: "message (field)" per entry."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if response.status_code >= 400 and isinstance(errors, list) and errors:
        return "; ".join(f"{e.get('message')} ({e['field']})" if e.get("field") else str(e.get("message"))
                         for e in errors if isinstance(e, dict))
    return default_error(response, body)


def _emails(value: Any) -> list[dict[str, str]]:
    return [{"email": one.strip()} for one in str(value or "").split(",") if one.strip()]


def _mail_body(args: Args) -> dict[str, Any]:
    extra = dict(args.get("additionalFields") or {})
    personalization: dict[str, Any] = {"to": _emails(args["toEmail"]), "cc": _emails(extra.get("ccEmail")),
                                       "bcc": _emails(extra.get("bccEmail"))}
    if args.get("dynamicTemplate"):
        fields = (args.get("dynamicTemplateFields") or {}).get("fields") or []
        personalization["dynamic_template_data"] = {f["key"]: f.get("value") for f in fields if f.get("key")}
    body: dict[str, Any] = {
        "personalizations": [{key: value for key, value in personalization.items() if value}],
        "from": {"email": args["fromEmail"].strip(), **({"name": args["fromName"]} if args.get("fromName") else {})},
    }
    if args.get("dynamicTemplate"):
        body["template_id"] = args["templateId"]
    else:
        body["subject"] = args["subject"]
        body["content"] = [{"type": args.get("contentType") or "text/plain", "value": args.get("contentValue", "")}]
    if extra.get("replyToEmail"):
        body["reply_to"] = {"email": extra["replyToEmail"]}
    if extra.get("categories"):
        body["categories"] = [c.strip() for c in str(extra["categories"]).split(",") if c.strip()]
    if extra.get("sendAt"):
        body["send_at"] = int(extra["sendAt"])
    if extra.get("ipPoolName"):
        body["ip_pool_name"] = extra["ipPoolName"]
    if extra.get("enableSandbox"):
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return body


_CONTACT_FIELDS = {"firstName": "first_name", "lastName": "last_name", "city": "city", "country": "country",
                   "postalCode": "postal_code", "stateProvinceRegion": "state_province_region"}


def _upsert_body(args: Args) -> dict[str, Any]:
    extra = dict(args.get("additionalFields") or {})
    contact: dict[str, Any] = {"email": args["email"]}
    contact.update({api: extra[name] for name, api in _CONTACT_FIELDS.items() if extra.get(name) not in (None, "")})
    address = (extra.get("addressUi") or {}).get("addressValues") or {}
    contact.update({key: address[key] for key in ("address_line_1", "address_line_2") if address.get(key)})
    if extra.get("alternateEmails"):
        contact["alternate_emails"] = [e.strip() for e in str(extra["alternateEmails"]).split(",") if e.strip()]
    custom = (extra.get("customFieldsUi") or {}).get("customFieldValues") or []
    if custom:
        contact["custom_fields"] = {f["fieldId"]: f.get("fieldValue") for f in custom if f.get("fieldId")}
    lists = ((extra.get("listIdsUi") or {}).get("listIdValues") or {}).get("listIds") or []
    return {"contacts": [contact], **({"list_ids": list(lists)} if lists else {})}


MAIL_SEND = Operation(
    "send", "Send", "POST", "/mail/send", description="Send an email",
    parameters=(
        Parameter("fromEmail", "Sender Email", "string", default="", required=True, placeholder="sender@domain.com"),
        Parameter("fromName", "Sender Name", "string", default=""),
        Parameter("toEmail", "Recipient Email", "string", default="", required=True,
                  description="Comma-separated list of recipient email addresses"),
        Parameter("subject", "Subject", "string", default="", required=True, show={"dynamicTemplate": (False,)}),
        Parameter("dynamicTemplate", "Dynamic Template", "boolean", default=False),
        Parameter("contentType", "MIME Type", "options", default="text/plain", show={"dynamicTemplate": (False,)},
                  options=(Option("Plain Text", "text/plain"), Option("HTML", "text/html"))),
        Parameter("contentValue", "Message Body", "string", default="", required=True,
                  show={"dynamicTemplate": (False,)}, type_options={"rows": 5}),
        Parameter("templateId", "Template ID", "string", default="", required=True, show={"dynamicTemplate": (True,)}),
        Parameter("dynamicTemplateFields", "Dynamic Template Fields", "fixedCollection", default={}, multiple=True,
                  show={"dynamicTemplate": (True,)}, groups=(Group("fields", "Fields", (
                      Parameter("key", "Key", "string", default=""),
                      Parameter("value", "Value", "string", default=""))),)),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            Parameter("bccEmail", "BCC Email", "string", default=""),
            Parameter("categories", "Categories", "string", default="", description="Comma-separated"),
            Parameter("ccEmail", "CC Email", "string", default=""),
            Parameter("enableSandbox", "Enable Sandbox", "boolean", default=False),
            Parameter("ipPoolName", "IP Pool Name", "string", default=""),
            Parameter("replyToEmail", "Reply To Email", "string", default=""),
            Parameter("sendAt", "Send At", "number", default=0, description="Unix timestamp to send at"))),
    ),
    body=_mail_body,
)

CONTACT_UPSERT = Operation(
    "upsert", "Create or Update", "PUT", "/marketing/contacts",
    description="Create a new contact, or update the current one if it already exists (upsert)",
    parameters=(
        Parameter("email", "Email", "string", default="", required=True, placeholder="name@email.com"),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            Parameter("addressUi", "Address", "fixedCollection", default={}, groups=(Group("addressValues", "Address", (
                Parameter("address_line_1", "Address Line 1", "string", default=""),
                Parameter("address_line_2", "Address Line 2", "string", default=""))),)),
            Parameter("alternateEmails", "Alternate Emails", "string", default=""),
            Parameter("city", "City", "string", default=""), Parameter("country", "Country", "string", default=""),
            Parameter("firstName", "First Name", "string", default=""),
            Parameter("lastName", "Last Name", "string", default=""),
            Parameter("postalCode", "Postal Code", "string", default=""),
            Parameter("stateProvinceRegion", "State/Province/Region", "string", default=""),
            Parameter("listIdsUi", "List IDs", "fixedCollection", default={}, groups=(Group("listIdValues", "List IDs", (
                Parameter("listIds", "List IDs", "string", default=[], type_options={"multipleValues": True}),)),)),
            Parameter("customFieldsUi", "Custom Fields", "fixedCollection", default={}, multiple=True, groups=(
                Group("customFieldValues", "Custom Field", (
                    Parameter("fieldId", "Field ID", "string", default=""),
                    Parameter("fieldValue", "Field Value", "string", default=""))),)))),
    ),
    body=_upsert_body,
)

CONTACT_GET_ALL = Operation("getAll", "Get Many", "GET", "/marketing/contacts", description="Get many contacts",
                            items="result", pagination=NextUrl("_metadata.next"))

CONTACT_DELETE = Operation(
    "delete", "Delete", "DELETE", "/marketing/contacts", description="Delete a contact",
    parameters=(Parameter("deleteAll", "Delete All", "boolean", default=False,
                          description="Whether all contacts will be deleted"),
                Parameter("ids", "Contact IDs", "string", default="", required=True, show={"deleteAll": (False,)},
                          description="Comma-separated contact IDs to delete")),
    query=lambda args: {"delete_all_contacts": "true"} if args.get("deleteAll") else {
        "ids": ",".join(i.strip() for i in str(args["ids"]).split(",") if i.strip())},
)

LIST_CREATE = Operation("create", "Create", "POST", "/marketing/lists", description="Create a list",
                        parameters=(Parameter("name", "Name", "string", default="", required=True,
                                              description="Name of the list"),), body={"name": "name"})

LIST_GET_ALL = Operation("getAll", "Get Many", "GET", "/marketing/lists", description="Get many lists",
                         items="result", pagination=NextUrl("_metadata.next", size_param="page_size", max_size=1000))

APP = App(
    name="sendGrid",
    display_name="SendGrid",
    description="Consume SendGrid API",
    base_url="https://api.sendgrid.com/v3",
    auth=(Auth(SENDGRID_API, "apiKey", "API Key"),),
    resources=(
        Resource("list", "List", (LIST_CREATE, LIST_GET_ALL)),  # n8n's default resource
        Resource("contact", "Contact", (CONTACT_UPSERT, CONTACT_DELETE, CONTACT_GET_ALL)),
        Resource("mail", "Mail", (MAIL_SEND,)),
    ),
    aliases=("n8n-nodes-base.sendGrid",),
    versions=(1.0,),
    error=read_error,
    icon="forward_to_inbox",
    categories=("Communication", "Marketing"),
    search_aliases=("email",),
    documentation_url="https://docs.sendgrid.com/api-reference",
)
