"""The templates gallery: ready-made workflows shipped as n8n workflow JSON in services/templates/.

Each file is a workflow (`name`, `nodes`, `connections`, `settings`) plus `description` and
`category` for the gallery. Templates read their endpoints from variables (`$vars.SLACK_WEBHOOK_URL`)
and their secrets from credentials named in the description, so importing one needs no editing.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_VARIABLE = re.compile(r"\$vars\.([A-Za-z_][A-Za-z0-9_]*)")
_GALLERY_KEYS = ("description", "category")


class TemplateNotFound(LookupError):
    """No template has this id."""


@dataclass(frozen=True)
class Template:
    id: str  # the file name without .json
    name: str
    description: str
    category: str
    document: dict[str, Any]  # the workflow, without the gallery keys

    @property
    def variables(self) -> list[str]:
        """The `$vars` names the template reads, sorted: what to define before running it."""
        return sorted(set(_VARIABLE.findall(json.dumps(self.document))))

    @property
    def credentials(self) -> list[tuple[str, str]]:
        """(credential type, credential name) pairs its nodes use, sorted."""
        return sorted({(kind, str(reference.get("name") or ""))
                       for node in self.document["nodes"]
                       for kind, reference in (node.get("credentials") or {}).items()})

    @property
    def node_types(self) -> list[str]:
        return sorted({str(node["type"]) for node in self.document["nodes"]})

    def importable(self) -> dict[str, Any]:
        """A fresh copy to store as a new workflow: webhook nodes get new webhook ids."""
        document = copy.deepcopy(self.document)
        for node in document["nodes"]:
            if node.get("webhookId"):
                node["webhookId"] = str(uuid.uuid4())
        return document


@functools.cache
def list_templates() -> tuple[Template, ...]:
    """Every template, by category then name. Raises ValueError naming a file that is not a template."""
    templates = [_load(path) for path in sorted(TEMPLATES_DIR.glob("*.json"))]
    return tuple(sorted(templates, key=lambda template: (template.category, template.name)))


def get_template(template_id: str) -> Template:
    for template in list_templates():
        if template.id == template_id:
            return template
    raise TemplateNotFound(f"No template named '{template_id[:80]}'")


def _load(path: Path) -> Template:
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [key for key in ("name", "nodes", "connections", *_GALLERY_KEYS) if not data.get(key)]
    if missing:
        raise ValueError(f"template {path.name} lacks {', '.join(missing)}")
    document = {key: value for key, value in data.items() if key not in _GALLERY_KEYS}
    return Template(path.stem, data["name"], data["description"], data["category"], document)
