"""Email nodes: Send Email (SMTP) and the Email Trigger (IMAP). Their `smtp` and `imap` credential
types live with the other service credentials (nodes.credentials.services)."""

from __future__ import annotations

from engine.credential_types import CredentialType
from engine.node_api import NodeType

from .imap_trigger import EmailReadImap
from .send_email import EmailSend

NODE_TYPES: list[type[NodeType]] = [EmailSend, EmailReadImap]
CREDENTIAL_TYPES: list[CredentialType] = []
