"""Wait (n8n-nodes-base.wait v1, v1.1): pause for an interval, until a moment, or until a call.

Short waits (under 65 s, as in n8n) sleep inside the run. Longer ones, and every webhook resume, put
the execution to wait: it is saved as `waiting` with `waitTill` and the scheduler leader resumes it
when the time comes, or /webhook-waiting/<executionId> does when called (services.waiting). On
resume this node runs again as a pass-through, or outputs the resume call's item.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from dateutil import parser as date_parser

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType, Option, Parameter
from engine.workflow import NodeSpec
from nodes.core.webhook import PARAMETERS as WEBHOOK_PARAMETERS
from nodes.core.webhook import WebhookSettings, webhook_settings

IN_PROCESS_LIMIT = timedelta(seconds=65)  # n8n sleeps in process below this, persists above
FOREVER = datetime(3000, 1, 1)  # n8n's "wait indefinitely" for webhook resumes without a limit
_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_UNIT_OPTIONS = tuple(Option(name.capitalize(), name) for name in _UNITS)
_WEBHOOK = {"resume": ("webhook",)}


def _webhook_parameter(name: str) -> Parameter:
    found = next(p for p in WEBHOOK_PARAMETERS if p.name == name)
    show = {key: values for key, values in (found.show or {}).items() if key != "multipleMethods"}
    show.update(_WEBHOOK)
    return Parameter(found.name, found.display_name, found.type, default=found.default,
                     description=found.description, options=found.options, fields=found.fields,
                     groups=found.groups, show=show, hide=found.hide, type_options=found.type_options)


PARAMETERS = (
    Parameter("resume", "Resume", "options", default="timeInterval",
              options=(Option("After Time Interval", "timeInterval", "Waits for a certain amount of time"),
                       Option("At Specified Time", "specificTime", "Waits until a date and time"),
                       Option("On Webhook Call", "webhook", "Waits for a call of $execution.resumeUrl"),
                       Option("On Form Submitted", "form", "Waits for a form submission (not available yet)")),
              description="Determines the waiting mode to use before the workflow continues"),
    Parameter("amount", "Wait Amount", "number", default=1.0, show={"resume": ("timeInterval",), "@version": (1.0,)},
              type_options={"min": 0, "numberPrecision": 2}, description="The time to wait"),
    Parameter("amount", "Wait Amount", "number", default=5, show={"resume": ("timeInterval",), "@version": (1.1,)},
              type_options={"min": 0, "numberPrecision": 2}, description="The time to wait"),
    Parameter("unit", "Wait Unit", "options", default="hours", options=_UNIT_OPTIONS,
              show={"resume": ("timeInterval",), "@version": (1.0,)}, description="The time unit of the wait"),
    Parameter("unit", "Wait Unit", "options", default="seconds", options=_UNIT_OPTIONS,
              show={"resume": ("timeInterval",), "@version": (1.1,)}, description="The time unit of the wait"),
    Parameter("dateTime", "Date and Time", "dateTime", default="", required=True,
              show={"resume": ("specificTime",)},
              description="The date and time to wait for before continuing (in the workflow's time zone "
                          "when it has no offset)"),
    Parameter("resumeNotice", "The resume URL is $execution.resumeUrl: send it to whoever should resume "
              "this execution", "notice", default="", show=_WEBHOOK),
    _webhook_parameter("httpMethod"),
    Parameter("incomingAuthentication", "Authentication", "options", default="none", show=_WEBHOOK,
              options=(Option("Basic Auth", "basicAuth"), Option("Header Auth", "headerAuth"),
                       Option("JWT Auth", "jwtAuth"), Option("None", "none")),
              description="If and how incoming resume-webhook requests are authenticated"),
    _webhook_parameter("responseCode"),
    _webhook_parameter("responseMode"),
    _webhook_parameter("responseData"),
    _webhook_parameter("responseBinaryPropertyName"),
    Parameter("limitWaitTime", "Limit Wait Time", "boolean", default=False, show=_WEBHOOK,
              description="Whether the workflow resumes by itself after a time when nobody calls"),
    Parameter("limitType", "Limit Type", "options", default="afterTimeInterval",
              show={**_WEBHOOK, "limitWaitTime": (True,)},
              options=(Option("After Time Interval", "afterTimeInterval"),
                       Option("At Specified Time", "atSpecifiedTime"))),
    Parameter("resumeAmount", "Amount", "number", default=1, show={"limitType": ("afterTimeInterval",)},
              type_options={"min": 0, "numberPrecision": 2}),
    Parameter("resumeUnit", "Unit", "options", default="hours", options=_UNIT_OPTIONS,
              show={"limitType": ("afterTimeInterval",)}),
    Parameter("maxDateAndTime", "Max Date and Time", "dateTime", default="",
              show={"limitType": ("atSpecifiedTime",)}),
    Parameter(
        "options", "Options", "collection", default={}, placeholder="Add option", show=_WEBHOOK,
        fields=(*next(p for p in WEBHOOK_PARAMETERS if p.name == "options").fields,
                Parameter("webhookSuffix", "Webhook Suffix", "string", default="",
                          description="A path appended to the resume URL, to tell several waits apart")),
    ),
)


class Wait(NodeType):
    description = NodeDescription(
        name="knotwork.wait",
        display_name="Wait",
        group="organization",
        description="Waits before continuing with the execution",
        versions=(1.0, 1.1),
        default_version=1.1,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.wait",),
        credentials=(
            CredentialSlot("httpBasicAuth", required=True, show={"incomingAuthentication": ("basicAuth",)}),
            CredentialSlot("httpHeaderAuth", required=True, show={"incomingAuthentication": ("headerAuth",)}),
            CredentialSlot("jwtAuth", required=True, show={"incomingAuthentication": ("jwtAuth",)}),
        ),
        categories=("Core Nodes", "Flow"),
        search_aliases=("pause", "sleep", "delay", "timeout", "resume", "approval"),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = list(ctx.input_items)
        resume = ctx.param("resume")
        now = ctx.now()
        if resume == "form":
            raise NodeOperationError("Resuming on a form submission is not available yet; use 'On Webhook Call'",
                                     node=ctx.node.name, parameter="resume")
        if resume == "webhook":
            ctx.put_execution_to_wait(webhook_wait_till(ctx, now))
            return [items]
        if resume == "specificTime":
            wait_till = parse_moment(ctx.param("dateTime"), ctx, "dateTime")
        elif resume == "timeInterval":
            wait_till = now + interval(ctx.param("amount"), ctx.param("unit"), ctx, "amount")
        else:
            raise NodeOperationError(f"Unknown resume mode '{resume}'", node=ctx.node.name, parameter="resume")
        delay = wait_till - now
        if delay < IN_PROCESS_LIMIT:
            await asyncio.sleep(max(delay.total_seconds(), 0.0))
        else:
            ctx.put_execution_to_wait(wait_till)
        return [items]


def webhook_wait_till(ctx: ExecuteContext, now: datetime) -> datetime:
    """When a webhook wait gives up waiting for its call (n8n: 3000-01-01 without a limit)."""
    if not ctx.param("limitWaitTime", 0, False):
        return FOREVER.replace(tzinfo=now.tzinfo)
    if ctx.param("limitType", 0, "afterTimeInterval") == "atSpecifiedTime":
        return parse_moment(ctx.param("maxDateAndTime"), ctx, "maxDateAndTime")
    return now + interval(ctx.param("resumeAmount", 0, 1), ctx.param("resumeUnit", 0, "hours"), ctx, "resumeAmount")


def interval(amount: Any, unit: Any, ctx: ExecuteContext, parameter: str) -> timedelta:
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise NodeOperationError(f"The wait amount must be a number, got {amount!r}", node=ctx.node.name,
                                 parameter=parameter) from None
    if value < 0:
        raise NodeOperationError("The wait amount cannot be negative", node=ctx.node.name, parameter=parameter)
    if unit not in _UNITS:
        raise NodeOperationError(f"Unknown wait unit {unit!r}; use seconds, minutes, hours or days",
                                 node=ctx.node.name, parameter=parameter)
    return timedelta(seconds=value * _UNITS[unit])


def parse_moment(value: Any, ctx: ExecuteContext, parameter: str) -> datetime:
    """A date/time parameter as an aware datetime (naive values are in the workflow's zone)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = date_parser.isoparse(str(value)) if value else None
        except ValueError:
            try:
                moment = date_parser.parse(str(value))
            except (ValueError, OverflowError):
                moment = None
    if moment is None:
        raise NodeOperationError(f"'{value}' is not a valid date and time", node=ctx.node.name, parameter=parameter)
    return moment if moment.tzinfo else moment.replace(tzinfo=ctx.timezone)


def resume_settings(node: NodeSpec | Mapping[str, Any]) -> WebhookSettings:
    """The webhook settings of a Wait node waiting for its resume call (path = the suffix)."""
    parameters = dict(node.parameters if isinstance(node, NodeSpec) else node.get("parameters") or {})
    version = float(node.type_version if isinstance(node, NodeSpec) else node.get("typeVersion") or 1)
    parameters["authentication"] = parameters.pop("incomingAuthentication", "none")
    options = parameters.get("options") or {}
    parameters["path"] = str(options.get("webhookSuffix") or "") if isinstance(options, Mapping) else ""
    return webhook_settings(parameters, version)  # Wait keeps the Webhook v1 parameter layout
