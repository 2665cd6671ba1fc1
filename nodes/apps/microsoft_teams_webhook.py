"""Microsoft Teams through an incoming webhook: post a text, a MessageCard or an Adaptive Card to
the channel whose webhook URL is the credential (a legacy Office 365 connector URL or a Teams
Workflows / Power Automate "When a Teams webhook request is received" URL).

Knotwork's own node: n8n's `microsoftTeams` speaks the Graph API with OAuth2, so this node takes
no n8n alias. Legacy webhooks answer `1` as text; Workflows answer 202 with no body; both give
`{"success": true}`. Legacy connectors report some failures as text inside HTTP 200, which is an
error here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from engine.credential_types import CredentialDataError
from engine.errors import NodeOperationError

from .framework import (
    App,
    Args,
    Auth,
    CredentialType,
    Operation,
    Parameter,
    Resource,
    default_error,
)

TEAMS_WEBHOOK = CredentialType(
    name="microsoftTeamsWebhookApi",
    display_name="Microsoft Teams Incoming Webhook",
    fields=(Parameter("webhookUrl", "Webhook URL", "string", default="", required=True,
                      type_options={"password": True},
                      placeholder="https://example.webhook.office.com/webhookb2/...",
                      description="The channel's incoming webhook (or Workflows webhook) URL; it is the secret"),),
    documentation_url="https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/"
                      "how-to/add-incoming-webhook",
)


def webhook_url(data: Mapping[str, Any]) -> str:
    url = str(data.get("webhookUrl") or "").strip()
    if not url.startswith(("https://", "http://")):
        raise CredentialDataError("field 'webhookUrl' must be the webhook's http(s) URL")
    return url


def read_error(response: httpx.Response, body: Any) -> str | None:
    """Any text but `1` in a success answer is a legacy connector's failure report."""
    if response.status_code < 400 and isinstance(body, str) and body.strip() not in ("", "1"):
        return body.strip()[:500]
    return default_error(response, body)


def _card(args: Args) -> dict[str, Any]:
    card = args["card"]
    if isinstance(card, str):
        try:
            card = json.loads(card)
        except ValueError as error:
            raise NodeOperationError(f"Parameter 'Card' is not valid JSON: {error}", parameter="card") from None
    if not isinstance(card, dict):
        raise NodeOperationError("Parameter 'Card' must be a JSON object", parameter="card")
    return card


def _adaptive(args: Args) -> dict[str, Any]:
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": _card(args)}]}


def _sent(body: Any, args: Args) -> dict[str, Any]:
    return {"success": True}


SEND = Operation(
    "send", "Send Text", "POST", "", description="Post a text message (Markdown) to the channel",
    parameters=(
        Parameter("text", "Text", "string", default="", required=True, type_options={"rows": 4}),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("title", "Title", "string", default=""),
            Parameter("themeColor", "Theme Color", "color", default="#0076D7"),
        )),
    ),
    body={"text": "text", "*": "options"},
    items=_sent,
)

SEND_CARD = Operation(
    "sendCard", "Send MessageCard", "POST", "", description="Post a legacy MessageCard (JSON) as given",
    parameters=(Parameter("card", "Card", "json", default='{\n  "@type": "MessageCard",\n  '
                          '"@context": "https://schema.org/extensions",\n  "summary": "",\n  "sections": []\n}',
                          required=True, description="The MessageCard JSON"),),
    body=_card,
    items=_sent,
)

SEND_ADAPTIVE_CARD = Operation(
    "sendAdaptiveCard", "Send Adaptive Card", "POST", "",
    description="Post an Adaptive Card (JSON), wrapped in the message attachment Teams expects",
    parameters=(Parameter("card", "Card", "json", default='{\n  "type": "AdaptiveCard",\n  '
                          '"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",\n  "version": "1.4",\n'
                          '  "body": []\n}', required=True, description="The Adaptive Card JSON"),),
    body=_adaptive,
    items=_sent,
)

APP = App(
    name="microsoftTeamsWebhook",
    display_name="Microsoft Teams Webhook",
    description="Post messages and cards to a Microsoft Teams channel through an incoming webhook",
    base_url=webhook_url,
    auth=(Auth(TEAMS_WEBHOOK, "webhook", "Webhook"),),
    resources=(Resource("message", "Message", (SEND, SEND_CARD, SEND_ADAPTIVE_CARD)),),
    error=read_error,
    icon="groups",
    categories=("Communication",),
    search_aliases=("teams", "microsoft", "chat", "adaptive card"),
    documentation_url="https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/",
)
