"""Message listeners and senders: Redis, PostgreSQL, RabbitMQ and MQTT triggers, a watched folder."""

from __future__ import annotations

from engine.node_api import NodeType

from .local_file_trigger import LocalFileTrigger
from .mqtt import MqttNode
from .mqtt_trigger import MqttTrigger
from .postgres_trigger import PostgresTrigger
from .rabbitmq import RabbitMQNode
from .rabbitmq_trigger import RabbitMQTrigger
from .redis_trigger import RedisTrigger

NODE_TYPES: list[type[NodeType]] = [RabbitMQNode, RabbitMQTrigger, MqttNode, MqttTrigger, RedisTrigger, PostgresTrigger, LocalFileTrigger]
