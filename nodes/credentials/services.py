"""Credential types of services reached by their own protocol (mail, databases, brokers), each
with a real connection test. Names and field names are n8n's."""

from __future__ import annotations

from collections.abc import Mapping

from engine.credential_types import CredentialType
from engine.node_api import Option, Parameter

from .connection_tests import (
    check_imap,
    check_mqtt,
    check_mysql,
    check_postgres,
    check_rabbitmq,
    check_redis,
    check_smtp,
)

SECRET = {"password": True}
DOCS = "https://docs.n8n.io/integrations/builtin/credentials/{}/"
_SSL_ON = {"ssl": (True,)}
_CLIENT_CERT = {"ssl": (True,), "passwordless": (True,)}


def _user(name: str = "user", display_name: str = "User", default: str = "") -> Parameter:
    return Parameter(name, display_name, "string", default=default)


def _password(show: Mapping[str, tuple[object, ...]] | None = None) -> Parameter:
    return Parameter("password", "Password", "string", default="", type_options=SECRET, show=show)


def _port(default: int) -> Parameter:
    return Parameter("port", "Port", "number", default=default)


def _pem(name: str, display_name: str, show: Mapping[str, tuple[object, ...]]) -> Parameter:
    return Parameter(name, display_name, "string", default="", type_options={**SECRET, "rows": 4}, show=show)


SMTP = CredentialType(
    name="smtp",
    display_name="SMTP",
    fields=(
        _user(),
        _password(),
        Parameter("host", "Host", "string", default="", required=True),
        _port(465),
        Parameter("secure", "SSL/TLS", "boolean", default=True),
        Parameter("disableStartTls", "Disable STARTTLS", "boolean", default=False, show={"secure": (False,)}),
        Parameter("hostName", "Client Host Name", "string", default="",
                  description="The host name this client announces (EHLO); empty: this machine's name"),
    ),
    test=check_smtp,
    documentation_url=DOCS.format("sendemail"),
)

IMAP = CredentialType(
    name="imap",
    display_name="IMAP",
    fields=(
        _user(),
        _password(),
        Parameter("host", "Host", "string", default="", required=True),
        _port(993),
        Parameter("secure", "SSL/TLS", "boolean", default=True),
        Parameter("allowUnauthorizedCerts", "Allow Self-Signed Certificates", "boolean", default=False,
                  description="Whether to connect even if SSL certificate validation is not possible"),
    ),
    test=check_imap,
    documentation_url=DOCS.format("imap"),
)

POSTGRES = CredentialType(
    name="postgres",
    display_name="Postgres",
    fields=(
        Parameter("host", "Host", "string", default="localhost", required=True),
        Parameter("database", "Database", "string", default="postgres"),
        _user(default="postgres"),
        _password(),
        Parameter("maxConnections", "Maximum Number of Connections", "number", default=100),
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues", "boolean", default=False,
                  description="Whether to connect even if SSL certificate validation is not possible"),
        Parameter("ssl", "SSL", "options", default="disable", show={"allowUnauthorizedCerts": (False,)}, options=(
            Option("Allow", "allow"),
            Option("Disable", "disable"),
            Option("Require", "require"),
            Option("Verify", "verify"),
            Option("Verify-Full", "verify-full"),
        )),
        _port(5432),
    ),
    test=check_postgres,
    documentation_url=DOCS.format("postgres"),
)

MYSQL = CredentialType(
    name="mySql",
    display_name="MySQL",
    fields=(
        Parameter("host", "Host", "string", default="localhost", required=True),
        Parameter("database", "Database", "string", default="mysql"),
        _user(default="mysql"),
        _password(),
        _port(3306),
        Parameter("connectTimeout", "Connect Timeout", "number", default=10000,
                  description="Milliseconds to wait for the initial connection"),
        Parameter("ssl", "SSL", "boolean", default=False),
        _pem("caCertificate", "CA Certificate", _SSL_ON),
        _pem("clientPrivateKey", "Client Private Key", _SSL_ON),
        _pem("clientCertificate", "Client Certificate", _SSL_ON),
    ),
    test=check_mysql,
    documentation_url=DOCS.format("mysql"),
)

REDIS = CredentialType(
    name="redis",
    display_name="Redis",
    fields=(
        _password(),
        _user(),
        Parameter("host", "Host", "string", default="localhost", required=True),
        _port(6379),
        Parameter("database", "Database Number", "number", default=0),
        Parameter("ssl", "SSL", "boolean", default=False),
        Parameter("disableTlsVerification", "Ignore SSL Issues (Insecure)", "boolean", default=False, show=_SSL_ON),
    ),
    test=check_redis,
    documentation_url=DOCS.format("redis"),
)

RABBITMQ = CredentialType(
    name="rabbitmq",
    display_name="RabbitMQ",
    fields=(
        Parameter("hostname", "Hostname", "string", default="", required=True, placeholder="localhost"),
        _port(5672),
        _user("username", "User"),
        _password(),
        Parameter("vhost", "Vhost", "string", default="/"),
        Parameter("ssl", "SSL", "boolean", default=False),
        Parameter("passwordless", "Passwordless", "boolean", default=True, show=_SSL_ON,
                  description="Connect with client certificates instead of a password"),
        _pem("ca", "CA Certificates", _SSL_ON),
        _pem("cert", "Client Certificate", _CLIENT_CERT),
        _pem("key", "Client Key", _CLIENT_CERT),
        Parameter("passphrase", "Passphrase", "string", default="", type_options=SECRET, show=_CLIENT_CERT),
    ),
    test=check_rabbitmq,
    documentation_url=DOCS.format("rabbitmq"),
)

MQTT = CredentialType(
    name="mqtt",
    display_name="MQTT",
    fields=(
        Parameter("protocol", "Protocol", "options", default="mqtt", options=(
            Option("mqtt", "mqtt"), Option("mqtts", "mqtts"), Option("ws", "ws"),
        )),
        Parameter("host", "Host", "string", default="", required=True),
        _port(1883),
        _user("username", "Username"),
        _password(),
        Parameter("clean", "Clean Session", "boolean", default=True,
                  description="Set to false to receive QoS 1 and 2 messages sent while offline"),
        Parameter("clientId", "Client ID", "string", default="",
                  description="Empty: one is generated for each connection"),
        Parameter("ssl", "SSL", "boolean", default=False),
        Parameter("passwordless", "Passwordless", "boolean", default=True, show=_SSL_ON,
                  description="Connect with client certificates instead of a password"),
        _pem("ca", "CA Certificates", _SSL_ON),
        Parameter("rejectUnauthorized", "Reject Unauthorized Certificate", "boolean", default=True, show=_SSL_ON),
        _pem("cert", "Client Certificate", _CLIENT_CERT),
        _pem("key", "Client Key", _CLIENT_CERT),
    ),
    test=check_mqtt,
    documentation_url=DOCS.format("mqtt"),
)

SERVICE_TYPES: list[CredentialType] = [SMTP, IMAP, POSTGRES, MYSQL, REDIS, RABBITMQ, MQTT]
