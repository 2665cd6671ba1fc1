"""/templates in the simulated browser: every template is listed with what it needs, and "Use template"
stores a copy in the user's project and opens it in the editor."""

from __future__ import annotations

from services import workflow_access
from services.runtime import Runtime
from services.template_gallery import list_templates
from tests.api.conftest import Team

from .conftest import UiUser


async def test_the_gallery_lists_every_template(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/templates")
    for template in list_templates():
        await user.should_see(template.name)
    await user.should_see("Variables: SLACK_WEBHOOK_URL")
    await user.should_see("Credentials: Postgres account (postgres)")


async def test_use_template_creates_the_workflow_in_the_chosen_project(ui_user: UiUser, runtime: Runtime,
                                                                       team: Team) -> None:
    user = await ui_user("acme_editor")
    await user.open(f"/templates?project={team.acme_id}")
    user.find(marker="use-webhook-to-slack-alert").click()
    await user.should_see("Created 'Webhook to Slack alert' from the template")
    views = workflow_access.list_workflows(runtime.db, team.actor("acme_editor"), project_id=team.acme_id)
    [view] = [v for v in views if v.workflow.name == "Webhook to Slack alert"]
    assert [node["name"] for node in view.workflow.nodes] == ["Webhook", "Format message", "Post to Slack"]
    assert view.workflow.nodes[0]["webhookId"] != list_templates()[0].document["nodes"][0].get("webhookId")


async def test_viewers_cannot_use_templates(ui_user: UiUser, team: Team) -> None:
    user = await ui_user("acme_viewer")
    await user.open(f"/templates?project={team.acme_id}")
    await user.should_see("Webhook to Slack alert")
    await user.should_not_see(marker="use-webhook-to-slack-alert")


async def test_a_category_narrows_the_gallery(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/templates?category=Monitoring")
    await user.should_see("Scheduled HTTP health check")
    await user.should_not_see("Webhook to Slack alert")
    user.find(marker="template-category").click()
    user.find("All categories").click()
    await user.should_see("Webhook to Slack alert")
