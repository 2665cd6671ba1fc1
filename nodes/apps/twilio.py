"""Twilio (n8n `twilio` v1): send an SMS/WhatsApp message or make a call through the 2010-04-01
REST API, form-encoded, signed with basic auth: Account SID + Auth Token, or an API key's SID and
secret (the credential's `authType`). Calls speak `message`, or run it as TwiML when `twiml` is on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import httpx

from engine.credential_types import TokenCallback

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    Parameter,
    Resource,
)


@dataclass(frozen=True)
class TwilioAuth:
    """Basic auth with the account's auth token or with an API key, as the credential chooses."""

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        if data.get("authType") == "apiKey":
            return httpx.BasicAuth(str(data.get("apiKeySid") or ""), str(data.get("apiKeySecret") or ""))
        return httpx.BasicAuth(str(data.get("accountSid") or ""), str(data.get("authToken") or ""))


_AUTH_TOKEN = {"authType": ("authToken",)}
_API_KEY = {"authType": ("apiKey",)}
TWILIO_API = CredentialType(
    name="twilioApi",
    display_name="Twilio API",
    fields=(
        Parameter("authType", "Auth Type", "options", default="authToken",
                  options=(Option("Auth Token", "authToken"), Option("API Key", "apiKey"))),
        Parameter("accountSid", "Account SID", "string", default="", required=True),
        Parameter("authToken", "Auth Token", "string", default="", show=_AUTH_TOKEN, type_options={"password": True}),
        Parameter("apiKeySid", "API Key SID", "string", default="", show=_API_KEY),
        Parameter("apiKeySecret", "API Key Secret", "string", default="", show=_API_KEY,
                  type_options={"password": True}),
    ),
    authenticate=TwilioAuth(),
    test=CredentialTest(url="https://api.twilio.com/2010-04-01/Accounts/{accountSid}.json"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/twilio/",
)


def _number(args: Args, name: str) -> str:
    value = str(args[name]).strip()
    return f"whatsapp:{value}" if args.get("toWhatsapp") and not value.startswith("whatsapp:") else value


def _sms_body(args: Args) -> dict[str, Any]:
    return {"From": _number(args, "from"), "To": _number(args, "to"), "Body": args["message"],
            "StatusCallback": (args.get("options") or {}).get("statusCallback")}


def _call_body(args: Args) -> dict[str, Any]:
    message = str(args["message"])
    twiml = message if args.get("twiml") else f"<Response><Say>{escape(message)}</Say></Response>"
    return {"From": args["from"], "To": args["to"], "Twiml": twiml,
            "StatusCallback": (args.get("options") or {}).get("statusCallback")}


def _common(to_whatsapp: bool) -> tuple[Parameter, ...]:
    return (
        Parameter("from", "From", "string", default="", required=True, placeholder="+14155238886",
                  description="The number from which to send the message"),
        Parameter("to", "To", "string", default="", required=True, placeholder="+14155238886",
                  description="The number to which to send the message"),
        *((Parameter("toWhatsapp", "To Whatsapp", "boolean", default=False,
                     description="Whether the message should be sent to WhatsApp"),) if to_whatsapp else ()),
    )


_OPTIONS = Parameter("options", "Options", "collection", default={}, fields=(
    Parameter("statusCallback", "Status Callback", "string", default="",
              description="Status Callbacks allow you to receive events related to the REST resources managed by "
                          "Twilio"),))

SMS_SEND = Operation(
    "send", "Send", "POST", "/Messages.json", description="Send SMS/MMS/WhatsApp message",
    parameters=(*_common(True), Parameter("message", "Message", "string", default="", required=True,
                                          description="The message to send"), _OPTIONS),
    body=_sms_body, body_format="form",
)

CALL_MAKE = Operation(
    "make", "Make", "POST", "/Calls.json", description="Make a phone call",
    parameters=(*_common(False),
                Parameter("twiml", "Use TwiML", "boolean", default=False,
                          description="Whether to use the Twilio Markup Language in the message"),
                Parameter("message", "Message", "string", default="", required=True,
                          description="The words to say, or TwiML when Use TwiML is on"), _OPTIONS),
    body=_call_body, body_format="form",
)

APP = App(
    name="twilio",
    display_name="Twilio",
    description="Send SMS and WhatsApp messages or make phone calls",
    base_url="https://api.twilio.com/2010-04-01/Accounts/{accountSid}",
    auth=(Auth(TWILIO_API, "apiKey", "API Key"),),
    resources=(Resource("sms", "SMS", (SMS_SEND,)), Resource("call", "Call", (CALL_MAKE,))),  # n8n: sms default
    aliases=("n8n-nodes-base.twilio",),
    versions=(1.0,),
    icon="sms",
    categories=("Communication", "Development"),
    search_aliases=("SMS", "phone", "voice"),
    documentation_url="https://www.twilio.com/docs/usage/api",
)
