"""Mailgun (n8n `mailgun` v1): send an email through the Messages API of the credential's region
(api.mailgun.net or api.eu.mailgun.net) and sending domain, signed `api:<key>` (basic auth).

n8n's Mailgun node has no resource/operation choice; here it is the single `email`/`send` pair,
the defaults, so n8n workflow JSON (which omits both) runs unchanged. The body is multipart form
data as n8n sends it. Deviation: binary attachments are not sent yet."""

from __future__ import annotations

from .framework import (
    App,
    Auth,
    BasicAuth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    Parameter,
    Resource,
)

MAILGUN_API = CredentialType(
    name="mailgunApi",
    display_name="Mailgun API",
    fields=(
        Parameter("apiDomain", "API Domain", "options", default="api.mailgun.net", options=(
            Option("api.eu.mailgun.net", "api.eu.mailgun.net"), Option("api.mailgun.net", "api.mailgun.net")),
            description="Use the EU domain for domains in the EU region"),
        Parameter("emailDomain", "Email Domain", "string", default="", required=True, placeholder="mg.example.com"),
        Parameter("apiKey", "API Key", "string", default="", required=True, type_options={"password": True}),
    ),
    authenticate=BasicAuth(user="api", password="{apiKey}"),
    test=CredentialTest(url="https://{apiDomain}/v3/domains/{emailDomain}"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/mailgun/",
)

EMAIL_SEND = Operation(
    "send", "Send", "POST", "/messages", description="Send an email",
    parameters=(
        Parameter("fromEmail", "From Email", "string", default="", required=True,
                  placeholder="Admin <admin@example.com>", description="Email address of the sender optional with name"),
        Parameter("toEmail", "To Email", "string", default="", required=True, placeholder="info@example.com",
                  description="Email address of the recipient. Multiple ones can be separated by comma."),
        Parameter("ccEmail", "Cc Email", "string", default="",
                  description="Cc Email address of the recipient. Multiple ones can be separated by comma."),
        Parameter("bccEmail", "Bcc Email", "string", default="",
                  description="Bcc Email address of the recipient. Multiple ones can be separated by comma."),
        Parameter("subject", "Subject", "string", default="", placeholder="My subject line",
                  description="Subject line of the email"),
        Parameter("text", "Text", "string", default="", type_options={"rows": 5},
                  description="Plain text message of email"),
        Parameter("html", "HTML", "string", default="", type_options={"rows": 5},
                  description="HTML text message of email"),
    ),
    body={"from": "fromEmail", "to": "toEmail", "cc": "ccEmail", "bcc": "bccEmail", "subject": "subject",
          "text": "text", "html": "html"},
    body_format="multipart",
)

APP = App(
    name="mailgun",
    display_name="Mailgun",
    description="Sends an email via Mailgun",
    base_url="https://{apiDomain}/v3/{emailDomain}",
    auth=(Auth(MAILGUN_API, "apiKey", "API Key"),),
    resources=(Resource("email", "Email", (EMAIL_SEND,)),),
    aliases=("n8n-nodes-base.mailgun",),
    versions=(1.0,),
    icon="mail",
    categories=("Communication",),
    search_aliases=("email", "smtp"),
    documentation_url="https://documentation.mailgun.com/docs/mailgun/api-reference/",
)
