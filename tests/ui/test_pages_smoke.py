"""The page frame in the simulated browser: signed-out people land on the sign-in page, signed-in
people land on the workflow list and see who they are."""

from __future__ import annotations

from ui.pages.home import home_page

from .conftest import UiUser


async def test_signed_out_people_are_sent_to_sign_in(ui_user: UiUser) -> None:
    user = await ui_user(None)
    await user.open("/")
    await user.should_see("Sign in")


async def test_the_home_page_opens_the_workflows_of_the_signed_in_user(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/?project=anything")
    await user.should_see("acme_editor@example.com (member)")
    await user.should_see(marker="workflow-table")


def test_the_home_page_keeps_the_project() -> None:
    assert home_page("p1").headers["location"] == "/workflows?project=p1"
    assert home_page().headers["location"] == "/workflows"
