"""n8n's node-test workflows, run end to end through our executor with n8n's harness rules
(tests/conformance/workflow_files.py; `make conformance` prints the same as a one-line-per-file
report).

One test per file. A file that fails for a known reason is a strict xfail with its reason in
KNOWN_GAPS (known_gaps.py), so a gap that closes shows up at once. Files that cannot run here are
classified by the runner, not listed: `needs-node` (node type not built yet) and `needs-fixture`
skip with the reason. Expressions run as JavaScript and JavaScript Code nodes run for real, as
after an n8n import. The whole module skips when ../shared is absent.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.registry import NodeRegistry

from .harness import conformance_dir
from .known_gaps import KNOWN_GAPS
from .workflow_files import discover, run_file


def _workflow_files() -> list[Any]:
    root = conformance_dir()
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"conformance data not found at {root}"))]
    params = []
    for relative in discover(root):
        marks = [pytest.mark.xfail(reason=KNOWN_GAPS[relative], strict=True)] if relative in KNOWN_GAPS else []
        params.append(pytest.param(relative, id=relative, marks=marks))
    return params


@pytest.mark.parametrize("relative", _workflow_files())
async def test_workflow_file(relative: str, registry: NodeRegistry) -> None:
    outcome = await run_file(conformance_dir(), relative, registry)
    if outcome.status in ("needs-node", "needs-fixture"):
        pytest.skip(f"{outcome.status}: {outcome.detail}")
    if outcome.status == "needs-javascript":
        pytest.xfail(f"needs-javascript: {outcome.detail}")
    assert outcome.status == "pass", outcome.detail
