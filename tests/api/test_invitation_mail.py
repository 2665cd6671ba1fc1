"""With SMTP configured, an invitation is emailed (to a real SMTP server on loopback); without, or
when the server is down, the link comes back to pass on by hand."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from services import auth
from services.settings import load_settings
from tests.smtp_inbox import Inbox, smtp_inbox

from .conftest import Team


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    with smtp_inbox() as server:
        yield server


def settings_with(runtime_settings: Any, **values: str) -> Any:
    environ = {f"KNOTWORK_{key.upper()}": value for key, value in values.items()}
    environ.update({"KNOTWORK_DATA_DIR": str(runtime_settings.data_dir),
                    "KNOTWORK_PUBLIC_URL": "https://knotwork.example.com/"})
    return load_settings(environ)


def test_an_invitation_is_emailed_with_its_link(runtime: Any, team: Team, smtp_server: tuple[int, Inbox]) -> None:
    port, inbox = smtp_server
    settings = settings_with(runtime.settings, smtp_host="127.0.0.1", smtp_port=str(port), smtp_starttls="false",
                             smtp_sender="robot@knotwork.example.com")

    invited = auth.invite(runtime.db, settings, team.actor("owner"), "guest@example.com")

    assert invited.emailed and not invited.mail_error
    assert invited.url == f"https://knotwork.example.com/signin/invite?token={invited.token}"
    [mail] = inbox.messages
    assert (mail["To"], mail["From"]) == ("guest@example.com", "robot@knotwork.example.com")
    assert invited.url in mail.get_payload(decode=True).decode()


def test_without_smtp_or_with_smtp_down_the_link_is_returned(runtime: Any, team: Team) -> None:
    plain = auth.invite(runtime.db, settings_with(runtime.settings), team.actor("owner"), "a@example.com")
    assert not plain.emailed and not plain.mail_error

    down = settings_with(runtime.settings, smtp_host="127.0.0.1", smtp_port=str(free_port()), smtp_starttls="false",
                         smtp_password="never-shown")
    failed = auth.invite(runtime.db, down, team.actor("owner"), "b@example.com")
    assert not failed.emailed
    assert "Could not send email to b@example.com through 127.0.0.1" in failed.mail_error
    assert "never-shown" not in failed.mail_error
    assert auth.pending_invitation(runtime.db, failed.token).email == "b@example.com"
