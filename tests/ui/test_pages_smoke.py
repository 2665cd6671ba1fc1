"""The page frame in the simulated browser: signed-out people land on the sign-in page, signed-in
people see who they are."""

from __future__ import annotations

from .conftest import UiUser


async def test_signed_out_people_are_sent_to_sign_in(ui_user: UiUser) -> None:
    user = await ui_user(None)
    await user.open("/")
    await user.should_see("Sign in")


async def test_signed_in_people_see_the_home_page(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/")
    await user.should_see("Signed in as acme_editor@example.com (member)")
