"""App nodes (Slack, GitHub, OpenAI, ...): one module per app under nodes/apps/, each declaring
`APP` (an App). Adding an app is one line in APP_MODULES."""

from __future__ import annotations

import importlib

from engine.credential_types import CredentialType
from engine.node_api import NodeType

from .declarative import App
from .node import app_node

APP_MODULES: tuple[str, ...] = (
    "slack",
    "github",
    "openai",
    "trello",
    "asana",
    "mattermost",
    "gitlab",
    "jira",
    "telegram",
    "microsoft_teams_webhook",
    "discord",
    "notion",
    "airtable",
    "google_sheets",
    "hubspot",
    "pipedrive",
    "stripe",
    "twilio",
    "sendgrid",
    "mailgun",
)

APPS: list[App] = [importlib.import_module(f"{__name__}.{module}").APP for module in APP_MODULES]
NODE_TYPES: list[type[NodeType]] = [app_node(app) for app in APPS]
# Each credential type once, even when several apps sign in with it.
CREDENTIAL_TYPES: list[CredentialType] = list(
    {auth.credential.name: auth.credential for app in APPS for auth in app.auth}.values())
