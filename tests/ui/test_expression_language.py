"""The workflow's expression language in the editor: previews in JavaScript, and the toolbar select
that shows and switches settings.expressionLanguage."""

from __future__ import annotations

import copy

from nicegui import ui

from services import workflow_access
from services.runtime import Runtime
from tests.api.conftest import Team
from ui.editor.expression import preview

from .conftest import UiUser
from .test_editor_page import WORKFLOW, editor_of

JS_WORKFLOW = {**copy.deepcopy(WORKFLOW), "settings": {"executionOrder": "v1", "expressionLanguage": "javascript"}}
RUN_DATA = {"Start": [{"startTime": 0, "executionTime": 0, "executionIndex": 0, "source": [],
                       "data": {"main": [[{"json": {"name": "ada", "n": 3}}, {"json": {"name": "bob", "n": 5}}]]}}]}


def test_previews_evaluate_javascript_in_a_javascript_workflow() -> None:
    assert preview("={{ $json.name.toUpperCase() }}", JS_WORKFLOW, RUN_DATA, "Double", 1) == (True, "BOB")
    assert preview("={{ $json.n > 4 ? 'big' : 'small' }}", JS_WORKFLOW, RUN_DATA, "Double", 0) == (True, "small")
    ok, message = preview("={{ $('Nope').item.json }}", JS_WORKFLOW, RUN_DATA, "Double", 0)
    assert not ok and message.startswith("Referenced node doesn't exist: 'Nope'")
    ok, message = preview("={{ $json.name.toUpperCase() }}", WORKFLOW, RUN_DATA, "Double", 0)
    assert not ok  # the same text in a Python workflow is Python: str has no toUpperCase


async def test_the_toolbar_shows_and_switches_the_language(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = workflow_access.create_workflow(runtime, team.actor("acme_editor"), copy.deepcopy(WORKFLOW),
                                                  team.acme_id).workflow.id
    user = await ui_user("acme_editor")
    await user.open(f"/workflow/{workflow_id}")
    editor = editor_of(user)
    select = next(iter(user.find(marker="expression-language").elements))
    assert isinstance(select, ui.select) and select.value == "python"
    select.set_value("javascript")
    assert editor.graph.to_json()["settings"]["expressionLanguage"] == "javascript"
    assert editor.graph.dirty
