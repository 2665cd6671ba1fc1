"""Shared page parts: feedback (refusals as notifications, confirm dialogs), a table of NiceGUI
cells with the list formats, what the signed-in user may do, and the credential form."""

from .credential_form import CredentialFields, connect_button, open_credential_dialog, show_test_result
from .feedback import REFUSALS, attempt, attempt_async, closing_dialog, confirm, copy_button, notify_refusal
from .rights import Rights
from .table import DataTable, duration, status_badge, when

__all__ = [
    "REFUSALS", "CredentialFields", "DataTable", "Rights", "attempt", "attempt_async", "closing_dialog",
    "confirm", "connect_button", "copy_button", "duration", "notify_refusal", "open_credential_dialog",
    "show_test_result", "status_badge", "when",
]
