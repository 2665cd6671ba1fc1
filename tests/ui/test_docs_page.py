"""/docs in the simulated browser: every page renders with the navigation, diagrams become mermaid
elements, the node reference lists this registry's nodes, and an unknown page says so."""

from __future__ import annotations

from nicegui import ui

from services.docs import PAGES

from .conftest import UiUser


async def test_every_docs_page_renders(ui_user: UiUser) -> None:
    user = await ui_user("acme_viewer")
    for page, _title in PAGES:
        await user.open("/docs" if page == "index" else f"/docs/{page}")
        await user.should_see(marker="docs-content")
        await user.should_see("Coming from n8n")  # the navigation
    await user.open("/docs/concepts")
    assert len(user.find(ui.mermaid).elements) >= 3


async def test_the_node_reference_and_links(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/docs/nodes")
    await user.should_see(marker="docs-content")
    [html] = [element for element in user.find(ui.html).elements if "Node reference" in element.content]
    assert 'id="http-request-knotworkhttprequest"' in html.content
    assert "<code>n8n-nodes-base.httpRequest</code>" in html.content
    await user.open("/docs")
    [index] = [element for element in user.find(ui.html).elements if "Knotwork documentation" in element.content]
    assert 'href="/docs/quick-start"' in index.content and 'href="/docs/concepts#expressions"' not in index.content


async def test_an_unknown_page_says_so(ui_user: UiUser) -> None:
    user = await ui_user("acme_editor")
    await user.open("/docs/nope")
    await user.should_see("There is no documentation page 'nope'.")
