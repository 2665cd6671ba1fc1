"""The Send Email node's parameters (n8n `emailSend` v1, 2, 2.1): v1 has flat text/html/cc/bcc
fields, v2 chooses a format and moves the extras into options; 2.1 adds the operation, the
attribution line (on by default) and the sender name."""

from __future__ import annotations

from engine.node_api import Option, Parameter

V1 = {"@version": (1.0,)}
V2 = {"@version": (2.0, 2.1)}
ROWS = {"rows": 5}
ATTACHMENTS_HELP = ("Name of the binary properties that contain data to add to email as attachment. Multiple ones "
                    "can be comma-separated. Reference embedded images or other content within the body of an email "
                    'message, e.g. <img src="cid:image_1">')


def _format(default: str, show: dict[str, tuple[float, ...]]) -> Parameter:
    return Parameter("emailFormat", "Email Format", "options", default=default, show=show, options=(
        Option("Text", "text", "Send email as plain text"),
        Option("HTML", "html", "Send email as HTML"),
        Option("Both", "both", "Send both formats, recipient's client selects version to display"),
    ))


PARAMETERS = (
    Parameter("operation", "Operation", "options", default="send", show={"@version": (2.1,)}, options=(
        Option("Send", "send", "Send an email"),
    )),
    Parameter("fromEmail", "From Email", "string", default="", required=True, placeholder="admin@example.com",
              description="Email address of the sender. You can also specify a name: Nathan Doe <nate@n8n.io>"),
    Parameter("toEmail", "To Email", "string", default="", required=True, placeholder="info@example.com",
              description="Email address of the recipient. You can also specify a name: Nathan Doe <nate@n8n.io>"),
    Parameter("ccEmail", "CC Email", "string", default="", placeholder="cc@example.com", show=V1,
              description="Email address of CC recipient"),
    Parameter("bccEmail", "BCC Email", "string", default="", placeholder="bcc@example.com", show=V1,
              description="Email address of BCC recipient"),
    Parameter("subject", "Subject", "string", default="", placeholder="My subject line",
              description="Subject line of the email"),
    _format("text", {"@version": (2.0,)}),
    _format("html", {"@version": (2.1,)}),
    Parameter("text", "Text", "string", default="", type_options=ROWS, description="Plain text message of email",
              show=V1),
    Parameter("html", "HTML", "string", default="", type_options=ROWS, description="HTML text message of email",
              show=V1),
    Parameter("text", "Text", "string", default="", type_options=ROWS, description="Plain text message of email",
              show={**V2, "emailFormat": ("text", "both")}),
    Parameter("html", "HTML", "string", default="", type_options=ROWS, description="HTML text message of email",
              show={**V2, "emailFormat": ("html", "both")}),
    Parameter("attachments", "Attachments", "string", default="", show=V1, description=ATTACHMENTS_HELP),
    Parameter("options", "Options", "collection", default={}, show=V1, fields=(
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues", "boolean", default=False,
                  description="Whether to connect even if SSL certificate validation is not possible"),
        Parameter("replyTo", "Reply To", "string", default="", placeholder="info@example.com",
                  description="The email address to send the reply to"),
    )),
    Parameter("options", "Options", "collection", default={}, show=V2, fields=(
        Parameter("appendAttribution", "Append Knotwork Attribution", "boolean", default=True,
                  description='Whether to include the phrase "This email was sent automatically with Knotwork" '
                              "to the end of the email (off by default before version 2.1)"),
        Parameter("attachments", "Attachments", "string", default="", description=ATTACHMENTS_HELP),
        Parameter("ccEmail", "CC Email", "string", default="", placeholder="cc@example.com",
                  description="Email address of CC recipient"),
        Parameter("bccEmail", "BCC Email", "string", default="", placeholder="bcc@example.com",
                  description="Email address of BCC recipient"),
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues (Insecure)", "boolean", default=False,
                  description="Whether to connect even if SSL certificate validation is not possible"),
        Parameter("replyTo", "Reply To", "string", default="", placeholder="info@example.com",
                  description="The email address to send the reply to"),
        Parameter("senderName", "Sender Name", "string", default="", placeholder="Nathan Doe",
                  description="The name shown with the sender's address (version 2.1)"),
    )),
)
