"""The commands the image runs, read from the deployment files themselves (Dockerfile, deploy/compose.yaml,
deploy/k8s/*.yaml), so the tests that start those commands as processes cannot drift from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
K8S = ROOT / "deploy" / "k8s"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1] if " " in text else "") for text in logical]


def dockerfile_cmd() -> list[str]:
    """The image's default command (exec form)."""
    [cmd] = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "CMD"]
    return list(json.loads(cmd))


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def compose_commands() -> dict[str, list[str]]:
    """Service name -> command, for the services built from Knotwork's image."""
    return {name: list(service["command"]) for name, service in compose()["services"].items()
            if service.get("image") == "knotwork:latest"}


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, document) for path in sorted(K8S.glob("*.yaml"))
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def k8s_commands() -> dict[str, list[str]]:
    """app.kubernetes.io/component -> command of the Knotwork container of each Deployment and Job."""
    found = {}
    for _, document in k8s_documents():
        if document["kind"] in ("Deployment", "Job"):
            template = document["spec"]["template"]
            [container] = template["spec"]["containers"]
            found[template["metadata"]["labels"]["app.kubernetes.io/component"]] = list(container["command"])
    return found
