"""The deployment files, checked offline (no Docker engine or cluster here): the Kubernetes manifests
against the Kubernetes API schemas (kubernetes-validate, strict), deploy/compose.yaml against the vendored
Compose Specification schema, and the Dockerfile, compose and Kubernetes roles against each other and
against the `knotwork` command line."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest

from cli import build_parser
from tests.deploy.roles import (
    ROOT,
    compose,
    compose_commands,
    dockerfile_cmd,
    dockerfile_instructions,
    k8s_commands,
    k8s_documents,
)

KUBERNETES_VERSION = "1.30"  # the oldest release the manifests promise to work on
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")
ROLES = {"web": ["knotwork", "web"], "webhook": ["knotwork", "webhook"], "worker": ["knotwork", "worker"],
         "migrate": ["knotwork", "migrate"]}


@pytest.mark.parametrize(("path", "document"), k8s_documents(),
                         ids=lambda value: value.name if isinstance(value, Path) else value["kind"])
def test_kubernetes_manifests_are_valid(path: Path, document: dict) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_validation_catches_mistakes() -> None:
    deployment = copy.deepcopy(next(doc for _, doc in k8s_documents() if doc["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["comand"] = ["typo"]

    with pytest.raises(kubernetes_validate.ValidationError, match="comand"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kubernetes_topology() -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents()}
    web_service = kinds[("Service", "knotwork-web")]
    assert web_service["spec"]["sessionAffinity"] == "ClientIP"  # the editor's websocket stays on one pod
    assert kinds[("Ingress", "knotwork")]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    webhook_hpa = kinds[("HorizontalPodAutoscaler", "knotwork-webhook")]["spec"]
    assert webhook_hpa["scaleTargetRef"]["name"] == "knotwork-webhook"
    worker_hpa = kinds[("HorizontalPodAutoscaler", "knotwork-worker")]["spec"]
    assert worker_hpa["scaleTargetRef"]["name"] == "knotwork-worker"
    assert worker_hpa["metrics"][0]["external"]["metric"]["name"] == "knotwork_queue_depth"
    assert ("Job", "knotwork-migrate") in kinds
    for _, doc in k8s_documents():
        if doc["kind"] in ("Deployment", "Job"):
            pod = doc["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            # One Secret holds KNOTWORK_ENCRYPTION_KEY for every role
            assert {"secretRef": {"name": "knotwork"}} in pod["containers"][0]["envFrom"]
    secret = kinds[("Secret", "knotwork")]["stringData"]
    assert {"KNOTWORK_ENCRYPTION_KEY", "KNOTWORK_DATABASE_URL"} <= set(secret)


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)

    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(compose())]
    broken = compose()
    broken["services"]["web"]["restart_policy"] = "always"

    assert errors == []
    assert any("restart_policy" in error.message for error in validator.iter_errors(broken))


def test_compose_topology_shares_one_encryption_key() -> None:
    services = compose()["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "webhook", "worker"}
    assert services["worker"]["deploy"]["replicas"] == 2
    keys = {name: service["environment"]["KNOTWORK_ENCRYPTION_KEY"] for name, service in services.items()
            if name in compose_commands()}
    assert len(keys) == 4 and len(set(keys.values())) == 1, keys
    for name in ("web", "webhook", "worker"):
        assert services[name]["environment"]["KNOTWORK_REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_every_deployment_runs_the_same_role_commands() -> None:
    assert dockerfile_cmd() == ROLES["web"]  # the image alone: embedded mode
    assert compose_commands() == ROLES
    assert k8s_commands() == ROLES


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_is_a_knotwork_command(role: str) -> None:
    args = build_parser().parse_args(ROLES[role][1:])

    assert args.command == role and callable(args.handler)


def test_dockerfile_builds_a_non_root_image_with_a_data_volume_and_a_healthcheck() -> None:
    instructions = dockerfile_instructions()
    by_kind: dict[str, list[str]] = {}
    for instruction, arguments in instructions:
        by_kind.setdefault(instruction, []).append(arguments)

    assert by_kind["FROM"] == ["python:3.11-slim"]
    assert "KNOTWORK_DATA_DIR=/data" in by_kind["ENV"][0].split()
    assert by_kind["VOLUME"] == ["/data"]
    assert by_kind["USER"] == ["10001:10001"]
    assert "useradd --system --uid 10001" in " ".join(by_kind["RUN"])
    [healthcheck] = by_kind["HEALTHCHECK"]
    assert "/healthz" in healthcheck and "KNOTWORK_PORT" in healthcheck
    assert any(arguments.startswith("pip install .") for arguments in by_kind["RUN"])
    # pip install . needs every package pyproject.toml ships, so the image copies each of them
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {part.rstrip("/").removeprefix("./") for arguments in by_kind["COPY"] for part in arguments.split()[:-1]}
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    modules = {f"{module}.py" for module in project["tool"]["setuptools"]["py-modules"]}
    assert packages | modules | {"pyproject.toml", "README.md"} <= copied
