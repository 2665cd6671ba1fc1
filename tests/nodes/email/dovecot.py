"""A private Dovecot IMAP server for the trigger tests: generated config in a temp folder, one
user with a Maildir there, plaintext IMAP and IMAPS (a self-signed certificate) on free loopback
ports. Skips when Dovecot is absent."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.credentials.net import closed_port

from .certs import self_signed

USER, PASSWORD = "alice", "imap-secret"
BINARY = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True)
class Imap:
    port: int
    tls_port: int
    root: Path

    def credential(self, **changes: object) -> dict[str, object]:
        return {"host": "127.0.0.1", "port": self.port, "secure": False, "user": USER, "password": PASSWORD,
                **changes}


def _mail_user() -> pwd.struct_passwd:
    """Dovecot will not open mail as root: use the caller when not root, else `nobody`."""
    return pwd.getpwuid(os.getuid()) if os.getuid() != 0 else pwd.getpwnam("nobody")


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@contextmanager
def dovecot() -> Iterator[Imap]:
    if BINARY is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd); the IMAP trigger tests need it")
    root = Path(tempfile.mkdtemp(prefix="knotwork-dovecot-"))
    os.chmod(root, 0o755)  # the mail user must reach its Maildir
    user = _mail_user()
    internal = "dovecot" if os.getuid() == 0 else user.pw_name
    login = "dovenull" if os.getuid() == 0 else user.pw_name
    port, tls_port = closed_port(), closed_port()
    cert, key = self_signed(root)
    (root / "mail").mkdir()
    os.chown(root / "mail", user.pw_uid, user.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{user.pw_uid}:{user.pw_gid}::{root}/mail/{USER}::\n")
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, tls_port=tls_port, cert=cert, key=key, internal=internal,
                                    login=login))
    # its own session, so that teardown ends the master and every process it forked, at once
    process = subprocess.Popen([BINARY, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not (_listening(port) and _listening(tls_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                error = process.stderr.read().decode() if process.poll() is not None and process.stderr else ""
                raise RuntimeError(f"Dovecot did not start: {error}{log}")
            time.sleep(0.05)
        yield Imap(port, tls_port, root)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        shutil.rmtree(root, ignore_errors=True)
