"""Fixtures for page tests with NiceGUI's simulated `User` (no browser): the real app registered on a
real runtime and database, and users signed in with a real session cookie.

    async def test_something(ui_user):
        user = await ui_user("acme_editor")      # signed in; or ui_user(None) for nobody
        await user.open("/")
        await user.should_see("Signed in as")

The `team` fixture (tests/api/conftest.py) provides the people and the Acme project.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from nicegui import app, core
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation
from nicegui.testing.user import User
from starlette.routing import Mount

from services import auth
from services.runtime import Runtime
from tests.api.conftest import PASSWORD, Team, cheap_password_hashing, runtime, team  # noqa: F401  (fixtures)
from ui.app_setup import register

UiUser = Callable[[str | None], Awaitable[User]]


@pytest.fixture
async def ui_user(runtime: Runtime, team: Team) -> AsyncIterator[UiUser]:  # noqa: F811
    """A factory of simulated browsers on one app; each call is a new browser (its own cookies)."""
    async with AsyncExitStack() as stack:
        stack.enter_context(nicegui_reset_globals())
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        stack.callback(os.environ.pop, "NICEGUI_USER_SIMULATION", None)
        prepare_simulation()
        register(runtime.settings, runtime)
        stack.callback(_remove_mounts)
        await stack.enter_async_context(core.app.router.lifespan_context(core.app))

        async def new_user(name: str | None) -> User:
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test"))
            if name is not None:
                signed_in = auth.sign_in(runtime.db, runtime.settings, f"{name}@example.com", PASSWORD)
                client.cookies.set(auth.SESSION_COOKIE, signed_in.token)
            return User(client)

        yield new_user


def _remove_mounts() -> None:
    """NiceGUI's reset removes routes but not mounted sub-apps; the next test mounts them again."""
    for route in list(app.routes):
        if isinstance(route, Mount):
            app.routes.remove(route)
