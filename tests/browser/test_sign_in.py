"""Signing in and out in a real browser: the form posts, the cookie is set by the browser itself."""

from __future__ import annotations

from .conftest import PASSWORD, App, shot


def test_sign_in_wrong_then_right_then_sign_out(app: App, page_for) -> None:  # noqa: ANN001
    page = page_for(None)
    page.goto("/workflows")
    page.wait_for_url("**/signin?redirect_to=/workflows")
    page.fill("input[name=email]", "editor@example.com")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.get_by_role("alert").get_by_text("Wrong email or password").wait_for()
    shot(page, "sign-in-error")

    page.fill("input[name=email]", "editor@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workflows")
    cookie = next(cookie for cookie in page.context.cookies() if cookie["name"] == "knotwork_session")
    assert cookie["httpOnly"]
    shot(page, "signed-in")

    page.get_by_role("button").filter(has_text="account_circle").click()
    page.get_by_text("Sign out").click()
    page.wait_for_url("**/signin")
    page.goto("/workflows")
    page.wait_for_url("**/signin?redirect_to=/workflows")
