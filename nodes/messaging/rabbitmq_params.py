"""The editor forms of the RabbitMQ node (n8n `rabbitmq` v1, 1.1) and RabbitMQ Trigger (`rabbitmqTrigger` v1)."""

from __future__ import annotations

from engine.node_api import Group, Option, Parameter


def _pairs(name: str, display_name: str, group: str, group_display: str, description: str) -> Parameter:
    """A list of key/value pairs, as n8n stores it: `{group: [{key, value}, ...]}`."""
    return Parameter(name, display_name, "fixedCollection", default={}, multiple=True, description=description,
                     placeholder=f"Add {group_display}", groups=(Group(group, group_display, (
                         Parameter("key", "Key", "string", default=""),
                         Parameter("value", "Value", "string", default=""),
                     )),))


ARGUMENTS = _pairs("arguments", "Arguments", "argument", "Argument",
                   "Message properties (expiration, priority, contentType...) or queue/exchange arguments (x-...)")
HEADERS = _pairs("headers", "Headers", "header", "Header", "Headers to add to the message")
AUTO_DELETE = Parameter("autoDelete", "Auto Delete Queue", "boolean", default=False,
                        description="Whether the queue will be deleted when the number of consumers drops to zero")
ASSERT_EXCHANGE = Parameter("assertExchange", "Assert Exchange", "boolean", default=True,
                            description="Whether to declare the exchange (else it must exist already)")
ASSERT_QUEUE = Parameter("assertQueue", "Assert Queue", "boolean", default=True,
                         description="Whether to declare the queue (else it must exist already)")
DURABLE = Parameter("durable", "Durable", "boolean", default=True,
                    description="Whether the queue will survive broker restarts")
EXCLUSIVE = Parameter("exclusive", "Exclusive", "boolean", default=False,
                      description="Whether to scope the queue to the connection")

NODE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("operation", "Operation", "options", default="sendMessage", options=(
        Option("Send a Message to RabbitMQ", "sendMessage"),
        Option("Delete From Queue", "deleteMessage",
               "Passes its items on; the RabbitMQ Trigger acknowledges once the execution is saved"),
    )),
    Parameter("deleteMessage", "The RabbitMQ Trigger of this workflow removes its message from the queue once "
              "the execution is saved; this node passes its items on", "notice", default="",
              show={"operation": ("deleteMessage",)}),
    Parameter("mode", "Mode", "options", default="queue", hide={"operation": ("deleteMessage",)},
              description="To where data should be moved", options=(
                  Option("Queue", "queue", "Publish data to queue"),
                  Option("Exchange", "exchange", "Publish data to exchange"),
              )),
    Parameter("queue", "Queue / Topic", "string", default="", placeholder="queue-name",
              show={"mode": ("queue",)}, hide={"operation": ("deleteMessage",)},
              description="Name of the queue to publish to"),
    Parameter("exchange", "Exchange", "string", default="", placeholder="exchange-name",
              show={"mode": ("exchange",)}, hide={"operation": ("deleteMessage",)},
              description="Name of the exchange to publish to"),
    Parameter("exchangeType", "Type", "options", default="fanout", description="Type of exchange",
              show={"mode": ("exchange",)}, hide={"operation": ("deleteMessage",)}, options=(
                  Option("Direct", "direct", "Direct exchange type"),
                  Option("Topic", "topic", "Topic exchange type"),
                  Option("Headers", "headers", "Headers exchange type"),
                  Option("Fanout", "fanout", "Fanout exchange type"),
              )),
    Parameter("routingKey", "Routing Key", "string", default="", placeholder="routing-key",
              show={"mode": ("exchange",)}, hide={"operation": ("deleteMessage",)},
              description="The routing key for the message"),
    Parameter("sendInputData", "Send Input Data", "boolean", default=True, show={"operation": ("sendMessage",)},
              description="Whether to send the data the node receives as JSON"),
    Parameter("message", "Message", "string", default="", show={"sendInputData": (False,)},
              hide={"operation": ("deleteMessage",)}, description="The message to be sent"),
    Parameter("options", "Options", "collection", default={}, placeholder="Add Option",
              show={"operation": ("sendMessage",)}, fields=(
                  Parameter("alternateExchange", "Alternate Exchange", "string", default="",
                            description="An exchange to send messages to if this exchange can't route them "
                                        "to any queues (exchange mode)"),
                  ARGUMENTS, AUTO_DELETE, ASSERT_EXCHANGE, ASSERT_QUEUE, DURABLE,
                  Parameter("exclusive", "Exclusive", "boolean", default=False,
                            description="Whether to scope the queue to the connection (queue mode)"),
                  HEADERS,
              )),
)

ACKNOWLEDGE_MODES = (
    Option("Execution Finishes", "executionFinishes",
           "Once the execution is saved (Knotwork acknowledges when the execution is persisted)"),
    Option("Execution Finishes Successfully", "executionFinishesSuccessfully",
           "Once the execution is saved (Knotwork acknowledges when the execution is persisted)"),
    Option("Immediately", "immediately", "As soon as the message got received and its execution saved"),
    Option("Specified Later in Workflow", "laterMessageNode",
           "Once the execution is saved (the RabbitMQ node's Delete From Queue passes items on)"),
)

TRIGGER_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("queue", "Queue / Topic", "string", default="", placeholder="queue-name",
              description="The name of the queue to read from"),
    Parameter("options", "Options", "collection", default={}, placeholder="Add Option", fields=(
        ARGUMENTS, ASSERT_QUEUE, AUTO_DELETE,
        Parameter("binding", "Bindings", "fixedCollection", default={}, multiple=True, placeholder="Add Binding",
                  description="Exchanges to bind the queue to", groups=(Group("bindings", "Binding", (
                      Parameter("exchange", "Exchange", "string", default=""),
                      Parameter("routingKey", "Routing Key", "string", default=""),
                  )),)),
        Parameter("contentIsBinary", "Content Is Binary", "boolean", default=False,
                  description="Whether to save the content as binary"),
        Parameter("acknowledge", "Delete From Queue When", "options", default="immediately",
                  options=ACKNOWLEDGE_MODES, description="When to acknowledge the message"),
        DURABLE, EXCLUSIVE, HEADERS,
        Parameter("jsonParseBody", "JSON Parse Body", "boolean", default=False, hide={"contentIsBinary": (True,)},
                  description="Whether to parse the body to an object"),
        Parameter("onlyContent", "Only Content", "boolean", default=False, hide={"contentIsBinary": (True,)},
                  description="Whether to return only the content property"),
        Parameter("parallelMessages", "Parallel Message Processing Limit", "number", default=-1,
                  hide={"acknowledge": ("immediately",)},
                  description="Max number of messages delivered but not yet acknowledged; -1 for no limit"),
    )),
)
