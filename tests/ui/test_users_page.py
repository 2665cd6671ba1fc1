"""/users in the simulated browser: only owners and admins manage users; invite (the link shows),
change a role, reset a password, delete with a transfer, through the real services."""

from __future__ import annotations

import pytest

from services import auth, users, workflow_access
from services.runtime import Runtime
from tests.api.conftest import Team

from .conftest import UiUser
from .test_workflows_page import make_workflow


def user_id(team: Team, name: str) -> str:
    return team.actor(name).user_id


async def test_members_do_not_manage_users(ui_user: UiUser, team: Team) -> None:
    member = await ui_user("member")
    await member.open("/users")
    await member.should_see("Only the owner and admins manage users.")
    await member.should_not_see(marker="invite")
    await member.should_not_see(marker="user-table")


async def test_an_admin_cannot_touch_the_owner_or_other_admins(ui_user: UiUser, team: Team) -> None:
    admin = await ui_user("admin")
    await admin.open("/users")
    await admin.should_see("owner@example.com")
    for marker in (f"role-{user_id(team, 'owner')}", f"delete-{user_id(team, 'owner')}",
                   f"reset-{user_id(team, 'owner')}", f"delete-{user_id(team, 'admin')}"):
        await admin.should_not_see(marker=marker)
    await admin.should_see(marker=f"delete-{user_id(team, 'member')}")


async def test_invite_shows_the_link_to_copy(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    owner = await ui_user("owner")
    await owner.open("/users")
    owner.find(marker="invite").click()

    owner.find(marker="invite-emails").type("new.person@example.com, not-an-email, member@example.com")
    owner.find(marker="invite-send").click()

    await owner.should_see(marker="invitation-link")
    with owner:
        (link,) = owner.find(marker="invitation-link").elements
    assert "/signin/invite?token=" in link.value
    await owner.should_see(content="Not emailed")  # no SMTP in the tests
    await owner.should_see(content="Not invited: 'not-an-email' is not an email address")
    await owner.should_see(content="Not invited: A user with the email 'member@example.com' already exists")
    token = link.value.split("token=", 1)[1]
    assert auth.pending_invitation(runtime.db, token).email == "new.person@example.com"


async def test_change_role_and_reset_password(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    owner = await ui_user("owner")
    await owner.open("/users")
    member_id = user_id(team, "member")

    with owner:  # several selects show "Admin": choose in this one
        owner.find(marker=f"role-{member_id}").elements.pop().value = "admin"
    await owner.should_see("member@example.com is now admin")
    assert users.get_user(runtime.db, team.actor("owner"), member_id).role == "admin"

    owner.find(marker=f"reset-{member_id}").click()
    owner.find(marker="reset-password").type("short")
    owner.find(marker="reset-save").click()
    await owner.should_see(content="at least 8 characters")
    owner.find(marker="reset-password").clear().type("a brand new password")
    owner.find(marker="reset-save").click()
    await owner.should_see("Password of member@example.com reset")
    assert auth.sign_in(runtime.db, runtime.settings, "member@example.com", "a brand new password").token


async def test_delete_a_user_giving_their_workflows_to_someone(ui_user: UiUser, runtime: Runtime,
                                                               team: Team) -> None:
    kept = make_workflow(runtime, team, "outsider", "Outsider's flow")
    owner = await ui_user("owner")
    await owner.open("/users")
    outsider_id = user_id(team, "outsider")

    owner.find(marker=f"delete-{outsider_id}").click()
    owner.find(marker="delete-user-transfer").click()
    owner.find("member@example.com (personal)").click()
    owner.find(marker="delete-user-confirm").click()

    await owner.should_see("Deleted outsider@example.com")
    await owner.should_not_see(marker=f"user-{outsider_id}")
    moved = workflow_access.get_workflow(runtime.db, team.actor("member"), kept.workflow.id)
    assert moved.workflow.project_id == team.personal("member")


async def test_pending_invitations_are_listed_and_can_be_withdrawn(ui_user: UiUser, runtime: Runtime,
                                                                    team: Team) -> None:
    invited = auth.invite(runtime.db, runtime.settings, team.actor("owner"), "later@example.com")
    user = await ui_user("owner")
    await user.open("/users")
    await user.should_see("Pending invitations")
    await user.should_see("later@example.com")
    user.find(marker=f"revoke-{invited.invitation.id}").click()
    await user.should_see("Invitation withdrawn")
    with pytest.raises(auth.InvitationError):
        auth.pending_invitation(runtime.db, invited.token)
