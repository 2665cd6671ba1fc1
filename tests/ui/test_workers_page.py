"""/workers in the simulated browser: owners and admins see the workers and the queue; members do not."""

from __future__ import annotations

from services.runtime import Runtime

from .conftest import UiUser


async def test_the_owner_sees_the_embedded_worker(ui_user: UiUser, runtime: Runtime) -> None:
    user = await ui_user("owner")
    await user.open("/workers")
    await user.should_see("Embedded mode (executions run in the web process): 1 worker(s)")
    await user.should_see(runtime.worker_id)


async def test_members_are_told_the_page_is_not_theirs(ui_user: UiUser, runtime: Runtime) -> None:
    user = await ui_user("acme_editor")
    await user.open("/workers")
    await user.should_see("Only the owner and admins see the workers.")
    await user.should_not_see(runtime.worker_id)
