"""Connection tests of the service credentials against real servers: the machine's PostgreSQL,
MariaDB, Redis, RabbitMQ and Mosquitto (skipped, with the reason, when one is not running), and
SMTP/IMAP servers this module starts on free loopback ports."""

from __future__ import annotations

import shlex
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from engine.credential_types import CredentialTypeRegistry
from engine.credential_types import test_credential as check  # a test_* name would be collected
from tests.credentials.net import closed_port

pytestmark = pytest.mark.integration

PASSWORD = "Pa55-word-for-tests"


@pytest.fixture(scope="module")
def types() -> CredentialTypeRegistry:
    return CredentialTypeRegistry.from_entry_points()


def require_listening(port: int, service: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as error:
        pytest.skip(f"{service} is not running on 127.0.0.1:{port}: {error}")


SERVICES = {
    "postgres": ("PostgreSQL", {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "test"}),
    "mySql": ("MySQL", {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}),
    "redis": ("Redis", {"host": "127.0.0.1", "port": 6379}),
    "rabbitmq": ("RabbitMQ", {"hostname": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest"}),
    "mqtt": ("MQTT broker", {"host": "127.0.0.1", "port": 1883}),
}


@pytest.mark.parametrize("type_name", SERVICES)
async def test_a_running_service_accepts_the_credential(types, type_name):
    service, data = SERVICES[type_name]
    require_listening(data["port"], service)
    result = await check(types.get(type_name), data, timeout=10)
    assert result.ok, result.message
    assert result.message == f"Connection to {types.get(type_name).display_name} tested successfully"


@pytest.mark.parametrize("type_name", SERVICES)
async def test_a_wrong_port_is_reported_as_refused(types, type_name):
    service, data = SERVICES[type_name]
    port = closed_port()
    result = await check(types.get(type_name), {**data, "port": port, "password": PASSWORD}, timeout=10)
    assert (result.ok, result.message) == (False, f"Could not connect to {service} at 127.0.0.1:{port}: connection refused")


async def test_postgres_names_the_missing_database(types):
    require_listening(5432, "PostgreSQL")
    data = {**SERVICES["postgres"][1], "database": "no_such_database_here"}
    result = await check(types.get("postgres"), data, timeout=10)
    assert not result.ok
    assert result.message == ('PostgreSQL at 127.0.0.1:5432 refused the connection: '
                              'FATAL:  database "no_such_database_here" does not exist')


async def test_mysql_reports_a_refused_login_without_the_password(types):
    require_listening(3306, "MySQL")
    result = await check(types.get("mySql"), {**SERVICES["mySql"][1], "password": PASSWORD}, timeout=10)
    assert not result.ok
    assert result.message.startswith("MySQL at 127.0.0.1:3306 refused the connection: Access denied for user 'root'")
    assert PASSWORD not in result.message


async def test_rabbitmq_reports_a_refused_login(types):
    require_listening(5672, "RabbitMQ")
    result = await check(types.get("rabbitmq"), {**SERVICES["rabbitmq"][1], "password": PASSWORD}, timeout=10)
    assert (result.ok, result.message) == (
        False, "RabbitMQ at 127.0.0.1:5672 refused the login for user 'guest' (or may not open vhost '/')")


# -- SMTP: an aiosmtpd server that knows one user -----------------------------------------------

@pytest.fixture
def smtp_port() -> Iterator[int]:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        known = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"alice", PASSWORD.encode())
        return AuthResult(success=known, handled=False)  # handled=False: aiosmtpd answers 535 itself

    port = closed_port()
    controller = Controller(object(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()  # returns once the server answers
    try:
        yield port
    finally:
        controller.stop()


def smtp_data(port: int, **changes: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "secure": False, "user": "alice", "password": PASSWORD, **changes}


async def test_smtp_login_succeeds(types, smtp_port):
    result = await check(types.get("smtp"), smtp_data(smtp_port), timeout=10)
    assert (result.ok, result.message) == (True, "Connection to SMTP tested successfully")


async def test_smtp_without_a_user_only_connects(types, smtp_port):
    result = await check(types.get("smtp"), smtp_data(smtp_port, user="", password=""), timeout=10)
    assert result.ok, result.message


async def test_smtp_wrong_password_is_a_refused_login(types, smtp_port):
    result = await check(types.get("smtp"), smtp_data(smtp_port, password="not-" + PASSWORD), timeout=10)
    assert not result.ok
    assert result.message.startswith(f"The SMTP server 127.0.0.1:{smtp_port} refused the login for user 'alice' (535")
    assert PASSWORD not in result.message


async def test_smtp_with_tls_against_a_plain_server_fails_the_handshake(types, smtp_port):
    result = await check(types.get("smtp"), smtp_data(smtp_port, secure=True), timeout=10)
    assert not result.ok
    assert result.message.startswith(f"Could not connect to SMTP server at 127.0.0.1:{smtp_port}: TLS handshake failed")


async def test_smtp_wrong_port(types):
    port = closed_port()
    result = await check(types.get("smtp"), smtp_data(port), timeout=10)
    assert (result.ok, result.message) == (False, f"Could not connect to SMTP server at 127.0.0.1:{port}: connection refused")


# -- IMAP: just enough of the protocol for LOGIN -------------------------------------------------

class ImapLogin(socketserver.StreamRequestHandler):
    """Greets, answers CAPABILITY, LOGIN (one known user) and LOGOUT."""

    def handle(self) -> None:
        self.say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] test server ready")
        for raw in self.rfile:
            tag, command, *arguments = raw.decode().rstrip("\r\n").split(" ", 2)
            command = command.upper()
            if command == "CAPABILITY":
                self.say("* CAPABILITY IMAP4rev1 AUTH=PLAIN", f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                known = shlex.split(arguments[0]) == ["alice", PASSWORD]
                self.say(f"{tag} OK LOGIN completed" if known else f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command == "LOGOUT":
                self.say("* BYE logging out", f"{tag} OK LOGOUT completed")
                return
            else:
                self.say(f"{tag} BAD unknown command")

    def say(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())


@pytest.fixture
def imap_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ImapLogin)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def imap_data(port: int, **changes: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "secure": False, "user": "alice", "password": PASSWORD, **changes}


async def test_imap_login_succeeds(types, imap_port):
    result = await check(types.get("imap"), imap_data(imap_port), timeout=10)
    assert (result.ok, result.message) == (True, "Connection to IMAP tested successfully")


async def test_imap_wrong_password_is_a_refused_login(types, imap_port):
    result = await check(types.get("imap"), imap_data(imap_port, password="wrong-" + PASSWORD), timeout=10)
    assert (result.ok, result.message) == (
        False, f"The IMAP server 127.0.0.1:{imap_port} refused the login for user 'alice' "
               "([AUTHENTICATIONFAILED] Invalid credentials)")


async def test_imap_wrong_port(types):
    port = closed_port()
    result = await check(types.get("imap"), imap_data(port), timeout=10)
    assert (result.ok, result.message) == (False, f"Could not connect to IMAP server at 127.0.0.1:{port}: connection refused")
