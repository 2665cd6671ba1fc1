"""The documentation builds without warnings: every page in docs/ is in the navigation and exists,
every link between pages and to a heading resolves, the node reference lists every registered node
type, and the static build writes every page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.registry import NodeRegistry
from services import docs


def test_the_docs_build_without_warnings(registry: NodeRegistry) -> None:
    assert docs.check_docs(registry) == []


def test_the_node_reference_lists_every_registered_node_type(registry: NodeRegistry) -> None:
    reference = docs.node_reference(registry)
    for description in registry.descriptions():
        assert f"## {description.display_name} ({description.name})" in reference
        for alias in description.aliases:
            assert f"`{alias}`" in reference
        for parameter in description.parameters:
            assert f"| `{parameter.name}` |" in reference, (description.name, parameter.name)


def test_the_static_site_has_every_page_with_working_links(tmp_path: Path, registry: NodeRegistry) -> None:
    written = docs.build_site(tmp_path / "site", registry)
    assert sorted(path.name for path in written) == sorted(f"{page}.html" for page, _ in docs.PAGES)
    concepts = (tmp_path / "site" / "concepts.html").read_text()
    assert concepts.count('<pre class="mermaid">') >= 3
    assert '<h2 id="expressions">Expressions</h2>' in concepts
    assert 'href="nodes.html"' in concepts and 'href="from-n8n.html#expressions"' in concepts


def test_dead_links_and_stray_pages_are_reported(tmp_path: Path, registry: NodeRegistry,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "docs"
    shutil.copytree(docs.DOCS_DIR, copy)
    (copy / "stray.md").write_text("# Stray\n")
    with (copy / "backup.md").open("a") as file:
        file.write("\nSee [gone](missing.md), [no heading](concepts.md#nowhere) and [fine](concepts.md#items).\n"
                   "\n```sh\nunclosed\n")
    monkeypatch.setattr(docs, "DOCS_DIR", copy)
    assert docs.check_docs(registry) == [
        "docs/stray.md: not in the navigation (services/docs.py PAGES)",
        "docs/backup.md: a code fence is not closed",
        "docs/backup.md: link to missing.md: no such page",
        "docs/backup.md: link to concepts.md#nowhere: no heading 'nowhere' in concepts.md",
    ]
    assert docs.main(["check"]) == 1

