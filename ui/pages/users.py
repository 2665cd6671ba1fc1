"""/users (owner and admins): everybody with their role; invite people (the link to copy, and whether
it was emailed), change a role, reset a password, delete a user (optionally giving their workflows
and credentials to someone else or to a project).
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from models import User
from services import users
from services.users import InviteOutcome
from ui.components import (
    REFUSALS,
    DataTable,
    Rights,
    attempt,
    closing_dialog,
    copy_button,
    notify_refusal,
    when,
)
from ui.frame import Frame, page_frame

ROLE_NAMES = {"owner": "Owner", "admin": "Admin", "member": "Member"}
NOBODY = ""  # the transfer choice that deletes the user's workflows and credentials


def register(runtime: object) -> None:
    @ui.page("/users")
    def users_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Users", project=project) as frame:
            if not frame.actor.has("user:manage"):
                ui.label("Only the owner and admins manage users.").classes("text-grey-8")
                return
            UserList(frame).show()


class UserList:
    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.runtime = frame.runtime
        self.actor = frame.actor
        self.rights = Rights(frame.runtime, frame.actor)
        self.is_owner = frame.actor.role == "owner"

    def show(self) -> None:
        with ui.row().classes("w-full justify-end"):
            ui.button("Invite", icon="person_add", on_click=self.invite).props("color=primary").mark("invite")
        self.rows()

    @ui.refreshable_method
    def rows(self) -> None:
        try:
            people = users.list_users(self.runtime.db, self.actor, limit=1000)
        except REFUSALS as error:
            notify_refusal(error)
            people = []
        self.people = sorted(people, key=lambda user: user.email)
        table = DataTable(["Email", "Name", "Role", "Since", ""], marker="user-table")
        for user in self.people:
            with table.row(marker=f"user-{user.id}"):
                table.cell(user.email + (" (disabled)" if user.disabled else ""))
                table.cell(" ".join(part for part in (user.first_name, user.last_name) if part))
                with table.cell():
                    self._role(user)
                table.cell(when(user.created_at))
                with table.cell(), ui.row().classes("gap-1 no-wrap"):
                    if self._may_change(user):
                        ui.button(icon="password", on_click=lambda u=user: self.reset_password(u)) \
                            .props("flat dense").tooltip("Reset password").mark(f"reset-{user.id}")
                        ui.button(icon="delete", on_click=lambda u=user: self.ask_delete(u)) \
                            .props("flat dense color=negative").tooltip("Delete").mark(f"delete-{user.id}")

        invitations = users.list_invitations(self.runtime.db, self.actor)
        if invitations:
            ui.label("Pending invitations").classes("text-lg font-semibold mt-4")
            pending = DataTable(["Email", "Role", "Invited", "Expires", ""], marker="invitation-table")
            for invitation in invitations:
                with pending.row(marker=f"invitation-{invitation.id}"):
                    pending.cell(invitation.email)
                    pending.cell(invitation.role)
                    pending.cell(when(invitation.created_at))
                    pending.cell(when(invitation.expires_at))
                    with pending.cell():
                        ui.button(icon="cancel", on_click=lambda i=invitation: self.revoke(i.id)) \
                            .props("flat dense color=negative").tooltip("Withdraw").mark(f"revoke-{invitation.id}")

    def revoke(self, invitation_id: str) -> None:
        if attempt(lambda: users.revoke_invitation(self.runtime.db, self.actor, invitation_id)):
            ui.notify("Invitation withdrawn")
            self.rows.refresh()

    def _role(self, user: User) -> None:
        if not self._may_change(user) or not self.rights.has("user:changeRole"):
            ui.label(ROLE_NAMES.get(user.role, user.role))
            return
        choices = {"admin": "Admin", "member": "Member"} if self.is_owner else {"member": "Member"}
        if user.role not in choices:
            ui.label(ROLE_NAMES.get(user.role, user.role))
            return
        ui.select(choices, value=user.role, on_change=lambda event: self.change_role(user, event.value)) \
            .props("dense borderless").mark(f"role-{user.id}")

    def _may_change(self, user: User) -> bool:
        """Nobody changes the owner or themselves here; only the owner changes an admin (the service
        says so too; this only hides buttons that would be refused)."""
        if user.role == "owner" or user.id == self.actor.user_id:
            return False
        return self.is_owner or user.role != "admin"

    # --- actions ---------------------------------------------------------------------------------

    def change_role(self, user: User, role: str) -> None:
        if not attempt(lambda: users.change_role(self.runtime.db, self.actor, user.id, role),
                       done=f"{user.email} is now {ROLE_NAMES.get(role, role).lower()}"):
            self.rows.refresh()

    def invite(self) -> None:
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-[36rem] max-w-full").mark("invite-dialog"):
            ui.label("Invite people").classes("text-lg font-semibold")
            emails = ui.textarea("Email addresses", placeholder="one per line, or separated by commas") \
                .classes("w-full").mark("invite-emails")
            roles = {"member": "Member", "admin": "Admin"} if self.is_owner else {"member": "Member"}
            role = ui.select(roles, value="member", label="Role").classes("w-40").mark("invite-role")
            results = ui.column().classes("w-full gap-2")

            def send() -> None:
                wanted = [part.strip() for part in (emails.value or "").replace(",", "\n").splitlines()
                          if part.strip()]
                if not wanted:
                    emails.error = "Enter at least one email address"
                    return
                emails.error = None
                try:
                    outcomes = users.invite_users(self.runtime.db, self.runtime.settings, self.actor,
                                                  [(email, role.value) for email in wanted])
                except REFUSALS as error:
                    notify_refusal(error)
                    return
                results.clear()
                with results:
                    for outcome in outcomes:
                        _invitation_result(outcome)
                emails.value = ""

            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=dialog.close).props("flat")
                ui.button("Invite", on_click=send).props("color=primary").mark("invite-send")
        dialog.open()

    def reset_password(self, user: User) -> None:
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-96").mark("reset-dialog"):
            ui.label(f"New password for {user.email}").classes("text-lg font-semibold")
            ui.label("They are signed out everywhere and sign in with this password.").classes("text-grey-8")
            password = ui.input("New password (8 characters or more)", password=True,
                                password_toggle_button=True).classes("w-full").mark("reset-password")
            password.props.update({"autocomplete": "new-password"})

            def save() -> None:
                try:
                    users.reset_password(self.runtime.db, self.actor, user.id, password.value or "")
                except REFUSALS as error:
                    password.error = str(error)
                    return
                ui.notify(f"Password of {user.email} reset", type="positive")
                dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Reset password", on_click=save).props("color=primary").mark("reset-save")
        dialog.open()

    def ask_delete(self, user: User) -> None:
        destinations = {NOBODY: "Nobody: delete their workflows and credentials"}
        destinations |= {other.id: f"{other.email} (personal)" for other in self.people if other.id != user.id}
        destinations |= {project.id: f"{project.name} (project)" for project in self.frame.projects
                         if project.type == "team"}
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-[28rem]").mark("delete-user-dialog"):
            ui.label(f"Delete {user.email}?").classes("text-lg font-semibold")
            move_to = ui.select(destinations, value=NOBODY, label="Give their workflows and credentials to",
                                with_input=True).classes("w-full").mark("delete-user-transfer")

            def delete() -> None:
                if attempt(lambda: users.delete_user(self.runtime.db, self.actor, user.id,
                                                     transfer_to=move_to.value or None),
                           done=f"Deleted {user.email}"):
                    self.rows.refresh()
                    dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Delete", on_click=delete).props("color=negative").mark("delete-user-confirm")
        dialog.open()


def _invitation_result(outcome: InviteOutcome) -> None:
    """One invited email: the link with a copy button, and whether it went out by email."""
    with ui.column().classes("w-full gap-1").mark(f"invited-{outcome.email}"):
        ui.label(outcome.email).classes("font-semibold")
        if not outcome.url:
            ui.label(f"Not invited: {outcome.error}").classes("text-negative")
            return
        if outcome.emailed:
            ui.label("Emailed. You can also send this link yourself:").classes("text-positive")
        else:
            reason = f" ({outcome.error})" if outcome.error else ""
            ui.label(f"Not emailed{reason}: send this link yourself.").classes("text-warning")
        with ui.row().classes("w-full items-center no-wrap"):
            ui.input(value=outcome.url).props("readonly dense outlined").classes("grow font-mono") \
                .mark("invitation-link")
            copy_button(outcome.url, what="Link")
