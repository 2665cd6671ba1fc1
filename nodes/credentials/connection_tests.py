"""Connection tests of the service credentials: each connects (and logs in) with the data, then
disconnects. Blocking clients run in a thread; every test is bounded by its timeout and fails with
a CredentialTestFailed that says what went wrong, never with the password in it."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import os
import smtplib
import ssl
import tempfile
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import aio_pika
import aiomqtt
import psycopg
import pymysql
import redis.asyncio as aioredis
from aio_pika.exceptions import ProbableAuthenticationError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError as RedisAuthenticationError
from redis.exceptions import RedisError

from engine.credential_types import CredentialTestFailed, network_reason
from nodes.email.smtp import SmtpServer, smtp_session

T = TypeVar("T")


def unreachable(service: str, host: str, port: int, error: BaseException) -> CredentialTestFailed:
    """A failure naming the server and the network reason (refused, unknown host, timeout, TLS)."""
    reason = network_reason(error)
    if "connect call failed" in reason.lower():  # asyncio's words for a refused connection
        reason = "connection refused"
    elif isinstance(error, TimeoutError) or "timed out" in reason.lower():
        reason = "timed out"
    elif reason.startswith("TLS handshake failed"):
        reason += "; check the SSL setting and the port"
    return CredentialTestFailed(f"Could not connect to {service} at {host}:{port}: {reason}")


async def within(timeout: float, service: str, host: str, port: int, work: Awaitable[T]) -> T:
    """Await `work`, failing clearly when the server does not answer in time. The margin lets the
    client's own socket timeout speak first, since its message is more precise."""
    try:
        async with asyncio.timeout(timeout + 1):
            return await work
    except TimeoutError:
        raise CredentialTestFailed(f"{service} at {host}:{port} did not answer within {timeout:g} s") from None


def tls_context(*, verify: bool = True, ca: str = "", cert: str = "", key: str = "",
                passphrase: str = "") -> ssl.SSLContext:
    """A client TLS context from PEM text, as n8n stores it (the key and certificate pass through
    a private temporary file, because `ssl` loads them only from files)."""
    context = ssl.create_default_context(cadata=ca or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "client.pem")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as file:
                file.write(f"{cert.strip()}\n{key.strip()}\n")
            context.load_cert_chain(path, password=passphrase or None)
    return context


def _address(data: Mapping[str, Any], host_field: str = "host") -> tuple[str, int]:
    return str(data.get(host_field) or "localhost"), int(data["port"])


# -- SMTP and IMAP -------------------------------------------------------------------------------

async def check_smtp(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    await within(timeout, "SMTP server", host, port, asyncio.to_thread(_smtp_login, data, host, port, timeout))


def _smtp_login(data: Mapping[str, Any], host: str, port: int, timeout: float) -> None:
    try:
        with smtp_session(SmtpServer.from_credential({**data, "host": host, "port": port}, timeout=timeout)):
            pass  # connected, secured and logged in: the credential works
    except smtplib.SMTPAuthenticationError as error:
        raise CredentialTestFailed(f"The SMTP server {host}:{port} refused the login for user '{data['user']}' "
                                   f"({error.smtp_code} {_text(error.smtp_error)})") from None
    except smtplib.SMTPNotSupportedError:
        raise CredentialTestFailed(f"The SMTP server {host}:{port} does not offer login (AUTH); "
                                   "leave the user empty or enable SSL/TLS") from None
    except smtplib.SMTPException as error:
        raise CredentialTestFailed(f"The SMTP server {host}:{port} answered with an error: {error}") from None
    except OSError as error:
        raise unreachable("SMTP server", host, port, error) from None


async def check_imap(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    await within(timeout, "IMAP server", host, port, asyncio.to_thread(_imap_login, data, host, port, timeout))


def _imap_login(data: Mapping[str, Any], host: str, port: int, timeout: float) -> None:
    try:
        if data.get("secure"):
            context = tls_context(verify=not data.get("allowUnauthorizedCerts"))
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(host, port, timeout=timeout)
    except OSError as error:
        raise unreachable("IMAP server", host, port, error) from None
    try:
        client.login(str(data.get("user") or ""), str(data.get("password") or ""))
    except imaplib.IMAP4.error as error:
        raise CredentialTestFailed(f"The IMAP server {host}:{port} refused the login for user "
                                   f"'{data.get('user')}' ({_text(error.args[0] if error.args else '')})") from None
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):  # the verdict is known; a failed goodbye changes nothing
            client.logout()


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


# -- databases -----------------------------------------------------------------------------------

async def check_postgres(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    ssl_mode = "require" if data.get("allowUnauthorizedCerts") else {"verify": "verify-ca"}.get(
        str(data.get("ssl") or "disable"), str(data.get("ssl") or "disable"))
    try:
        connection = await within(timeout, "PostgreSQL", host, port, psycopg.AsyncConnection.connect(
            host=host, port=port, dbname=data.get("database") or None, user=data.get("user") or None,
            password=data.get("password") or None, sslmode=ssl_mode, connect_timeout=max(1, round(timeout))))
    except psycopg.OperationalError as error:
        raise _postgres_failure(host, port, error) from None
    async with connection:
        await within(timeout, "PostgreSQL", host, port, connection.execute("SELECT 1"))


def _postgres_failure(host: str, port: int, error: psycopg.OperationalError) -> CredentialTestFailed:
    text = str(error).removeprefix("connection failed: ")
    if "refused" in text.lower():
        return unreachable("PostgreSQL", host, port, ConnectionRefusedError())
    # libpq repeats "connection to server at ... failed:" before the reason; keep the reason.
    reason = text.split(" failed: ", 1)[-1].strip().splitlines()[0]
    return CredentialTestFailed(f"PostgreSQL at {host}:{port} refused the connection: {reason}")


async def check_mysql(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    await within(timeout, "MySQL", host, port, asyncio.to_thread(_mysql_connect, data, host, port, timeout))


def _mysql_connect(data: Mapping[str, Any], host: str, port: int, timeout: float) -> None:
    context = None
    if data.get("ssl"):
        context = tls_context(ca=str(data.get("caCertificate") or ""), cert=str(data.get("clientCertificate") or ""),
                              key=str(data.get("clientPrivateKey") or ""))
    try:
        connection = pymysql.connect(
            host=host, port=port, user=str(data.get("user") or ""), password=str(data.get("password") or ""),
            database=data.get("database") or None, connect_timeout=max(1, round(timeout)),
            read_timeout=timeout, ssl=context, ssl_disabled=context is None)
    except pymysql.err.OperationalError as error:
        code, message = (error.args + (None, ""))[:2]
        if code == 2003:  # CR_CONN_HOST_ERROR: nothing answered
            raise unreachable("MySQL", host, port, OSError(str(message))) from None
        raise CredentialTestFailed(f"MySQL at {host}:{port} refused the connection: {message}") from None
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def check_redis(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    client = aioredis.Redis(
        host=host, port=port, db=int(data.get("database") or 0), username=data.get("user") or None,
        password=data.get("password") or None, ssl=bool(data.get("ssl")),
        ssl_cert_reqs="none" if data.get("disableTlsVerification") else "required",
        socket_connect_timeout=timeout, socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0))  # a test wants the first answer, not three more tries
    try:
        await within(timeout, "Redis", host, port, client.ping())
    except RedisAuthenticationError as error:
        raise CredentialTestFailed(f"Redis at {host}:{port} refused the login: {error}") from None
    except (RedisError, OSError) as error:
        if "password" in str(error).lower() or "auth" in str(error).lower():
            raise CredentialTestFailed(f"Redis at {host}:{port} refused the login: {error}") from None
        raise unreachable("Redis", host, port, error) from None
    finally:
        await client.aclose()


# -- message brokers -----------------------------------------------------------------------------

async def check_rabbitmq(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data, "hostname")
    context = None
    if data.get("ssl"):
        context = tls_context(ca=str(data.get("ca") or ""), cert=str(data.get("cert") or ""),
                              key=str(data.get("key") or ""), passphrase=str(data.get("passphrase") or ""))
    try:
        connection = await within(timeout, "RabbitMQ", host, port, aio_pika.connect(
            host=host, port=port, login=str(data.get("username") or "guest"),
            password=str(data.get("password") or "guest"), virtualhost=str(data.get("vhost") or "/"),
            ssl=context is not None, ssl_context=context, timeout=timeout))
    except CredentialTestFailed:
        raise
    except ProbableAuthenticationError:
        raise CredentialTestFailed(f"RabbitMQ at {host}:{port} refused the login for user "
                                   f"'{data.get('username')}' (or may not open vhost '{data.get('vhost')}')") from None
    except (ConnectionError, OSError) as error:
        raise unreachable("RabbitMQ", host, port, error) from None
    except Exception as error:  # aiormq wraps refused connections in its own exception types
        raise unreachable("RabbitMQ", host, port, error) from None
    await connection.close()


async def check_mqtt(data: Mapping[str, Any], timeout: float) -> None:
    host, port = _address(data)
    secure = data.get("protocol") == "mqtts" or bool(data.get("ssl"))
    context = None
    if secure:
        context = tls_context(verify=data.get("rejectUnauthorized") is not False, ca=str(data.get("ca") or ""),
                              cert=str(data.get("cert") or ""), key=str(data.get("key") or ""))
    client = aiomqtt.Client(
        host, port, username=data.get("username") or None, password=data.get("password") or None,
        identifier=data.get("clientId") or None, clean_session=bool(data.get("clean", True)),
        transport="websockets" if data.get("protocol") == "ws" else "tcp", tls_context=context, timeout=timeout)
    try:
        await within(timeout, "MQTT broker", host, port, _connect_and_leave(client))
    except aiomqtt.MqttCodeError as error:
        raise CredentialTestFailed(f"The MQTT broker {host}:{port} refused the connection: {error}") from None
    except (aiomqtt.MqttError, OSError) as error:
        raise unreachable("MQTT broker", host, port, error) from None


async def _connect_and_leave(client: aiomqtt.Client) -> None:
    async with client:
        pass
