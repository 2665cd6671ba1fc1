"""Webhook routes: which method and path each active workflow's Webhook nodes answer, their
registration in set_active's transaction (services.workflow_access), and the per-process route
table, reloaded at once after an activation in this process and within RECHECK_EVERY seconds
after one in another process."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func
from sqlmodel import Session, col, delete, select

from engine.registry import NodeRegistry
from models import Workflow
from models.misc import WebhookRegistration
from nodes.core.webhook import WEBHOOK_TYPES, WebhookSettings, is_dynamic, webhook_settings

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

RECHECK_EVERY = 1.0  # seconds between looks for activation changes made by other processes
_RESPOND_TYPES = frozenset({"knotwork.respondToWebhook", "n8n-nodes-base.respondToWebhook"})

# Bumped after every commit that changed routes in this process; tables loaded earlier reload.
_generation = 0


class RouteConflict(Exception):
    """Another active workflow (or another node of this one) already answers this method and path."""


# --- routes ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Route:
    """One method and path a Webhook node answers, with what a call needs to start its workflow."""

    method: str
    path: str  # as registered: the node's path, or "<webhookId>/<path>" when it has :params
    workflow_id: str
    workflow_name: str
    project_id: str
    node: Mapping[str, Any]  # the node as in the workflow JSON
    settings: WebhookSettings
    document: Mapping[str, Any] = field(repr=False, default_factory=dict)  # the workflow JSON to run
    problem: str | None = None  # why the node cannot answer (n8n's response mode checks)

    @property
    def webhook_id(self) -> str:
        return str(self.node.get("webhookId") or "")

    @property
    def segments(self) -> list[str]:
        return self.path.split("/")[1:] if is_dynamic(self.path) else []


def node_routes(workflow_id: str, workflow_name: str, project_id: str, document: Mapping[str, Any],
                registry: NodeRegistry) -> list[Route]:
    """The routes of every enabled Webhook node of a workflow JSON. Raises RouteConflict when a node
    has no usable path or two nodes claim the same method and path."""
    routes: dict[tuple[str, str], Route] = {}
    for node in document.get("nodes") or []:
        node_type = registry.resolve(str(node.get("type", "")))
        if node_type is None or node_type.description.name not in WEBHOOK_TYPES or node.get("disabled"):
            continue
        version = float(node.get("typeVersion") or node_type.description.default_version)
        settings = webhook_settings(node.get("parameters") or {}, version)
        path = registered_path(node, settings.path)
        problem = respond_problem(document, node, settings, version, registry)
        for method in settings.methods:
            if (method, path) in routes:
                raise RouteConflict(f"Nodes '{routes[method, path].node['name']}' and '{node['name']}' both listen "
                                    f"to {method} /webhook/{path}; give one of them another path or method")
            routes[method, path] = Route(method, path, workflow_id, workflow_name, project_id, node, settings,
                                         document, problem)
    return list(routes.values())


def registered_path(node: Mapping[str, Any], path: str) -> str:
    webhook_id = str(node.get("webhookId") or "")
    if not path and not webhook_id:
        raise RouteConflict(f"The Webhook node '{node.get('name')}' has no path; set its Path parameter")
    if not path:
        return webhook_id
    if is_dynamic(path):
        if not webhook_id:
            raise RouteConflict(f"The Webhook node '{node.get('name')}' has a path with :parameters but no "
                                "webhookId; remove the node and add it again")
        return f"{webhook_id}/{path}"
    return path


def respond_problem(document: Mapping[str, Any], node: Mapping[str, Any], settings: WebhookSettings,
                    version: float, registry: NodeRegistry) -> str | None:
    """n8n's checkResponseModeConfiguration (Webhook v2+): a Respond to Webhook node after this one
    exactly when the node responds through one."""
    if version < 2:
        return None
    types = {str(n.get("name")): registry.resolve(str(n.get("type", ""))) for n in document.get("nodes") or []}
    responds = any(t is not None and t.description.name in _RESPOND_TYPES
                   for name, t in types.items() if name in _descendants(document, str(node.get("name"))))
    if settings.response_mode == "responseNode" and not responds:
        return ("No Respond to Webhook node found in the workflow: insert one, or choose another option for "
                "the Respond parameter")
    if settings.response_mode != "responseNode" and responds:
        return ("Webhook node not correctly configured: set the Respond parameter to 'Using Respond to Webhook "
                "Node' or remove the Respond to Webhook node")
    return None


def _descendants(document: Mapping[str, Any], name: str) -> set[str]:
    connections = document.get("connections") or {}
    found: set[str] = set()
    pending = [name]
    while pending:
        for output in (connections.get(pending.pop()) or {}).get("main") or []:
            for target in output or []:
                child = target.get("node") if isinstance(target, Mapping) else None
                if isinstance(child, str) and child not in found:
                    found.add(child)
                    pending.append(child)
    return found


class RouteTable:
    """Routes by method and path: static paths by key, `:param` paths by (webhook id, method, number
    of segments), choosing the candidate with the most literal segments that match (as n8n does)."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._static: dict[tuple[str, str], Route] = {}
        self._dynamic: dict[tuple[str, str, int], list[Route]] = {}
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        if is_dynamic(route.path):
            key = (route.webhook_id, route.method, len(route.segments))
            self._dynamic.setdefault(key, []).append(route)
        else:
            self._static[route.method, route.path] = route

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route answering `method path` and the values of its :params."""
        route = self._static.get((method, path))
        if route is not None:
            return route, {}
        webhook_id, _, rest = path.partition("/")
        parts = rest.split("/") if rest else []
        best: tuple[int, Route, dict[str, str]] | None = None
        for candidate in self._dynamic.get((webhook_id, method, len(parts)), ()):
            params: dict[str, str] = {}
            literal = 0
            for pattern, part in zip(candidate.segments, parts, strict=True):
                if pattern.startswith(":"):
                    params[pattern[1:]] = part
                elif pattern == part:
                    literal += 1
                else:
                    break
            else:
                if best is None or literal > best[0]:
                    best = (literal, candidate, params)
        return (best[1], best[2]) if best else None

    def methods(self, path: str) -> list[str]:
        """The methods some route answers at this path (for 405 and OPTIONS)."""
        methods = {method for method, route_path in self._static if route_path == path}
        methods.update(m for m in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT") if self.match(m, path))
        return sorted(methods)


# --- registration (inside set_active's transaction) ------------------------------------------------

def register_routes(session: Session, registry: NodeRegistry, workflow: Workflow) -> None:
    """Make the workflow's Webhook nodes its routes, replacing the ones it had. Raises RouteConflict
    naming the active workflow that already answers a method and path; stale rows of inactive
    workflows give way."""
    document = {"nodes": workflow.nodes, "connections": workflow.connections}
    wanted = node_routes(workflow.id, workflow.name, workflow.project_id, document, registry)
    session.exec(delete(WebhookRegistration).where(col(WebhookRegistration.workflow_id) == workflow.id))
    for route in wanted:
        taken = session.exec(
            select(WebhookRegistration, Workflow).join(Workflow, col(Workflow.id) == col(WebhookRegistration.workflow_id))
            .where(WebhookRegistration.method == route.method, WebhookRegistration.path == route.path)).first()
        if taken is not None:
            row, other = taken
            if other.active:
                raise RouteConflict(
                    f"The webhook {route.method} /webhook/{route.path} of node '{route.node['name']}' is already "
                    f"used by the active workflow '{other.name}' (node '{row.node_name}'); change the path or "
                    f"method, or deactivate '{other.name}' first")
            session.delete(row)
    session.flush()
    for route in wanted:
        dynamic = is_dynamic(route.path)
        session.add(WebhookRegistration(
            method=route.method, path=route.path, workflow_id=workflow.id, node_name=str(route.node["name"]),
            webhook_id=route.webhook_id if dynamic else None,
            path_length=len(route.segments) if dynamic else None, has_params=dynamic))
    session.flush()
    _reload_after_commit(session)


def unregister_routes(session: Session, workflow_id: str) -> None:
    session.exec(delete(WebhookRegistration).where(col(WebhookRegistration.workflow_id) == workflow_id))
    _reload_after_commit(session)


def _reload_after_commit(session: Session) -> None:
    def bump(_: Session) -> None:
        global _generation
        _generation += 1

    event.listen(session, "after_commit", bump, once=True)


# --- the per-process route cache ------------------------------------------------------------------

class RouteIndex:
    """The routes of all active workflows, loaded from the database and kept fresh (see module doc)."""

    def __init__(self, runtime: Runtime) -> None:
        self._db = runtime.db
        self._registry = runtime.registry
        self._table = RouteTable()
        self._generation = -1
        self._stamp: Any = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    async def table(self) -> RouteTable:
        """The current table; reloads first when it may be stale."""
        if self._generation != _generation:
            await asyncio.to_thread(self._reload)
        elif time.monotonic() - self._checked_at > RECHECK_EVERY:
            self._checked_at = time.monotonic()
            if await asyncio.to_thread(self._read_stamp) != self._stamp:
                await asyncio.to_thread(self._reload)
        return self._table

    def _read_stamp(self) -> Any:
        with self._db.session() as session:
            return tuple(session.exec(
                select(func.count(), func.max(Workflow.updated_at)).select_from(WebhookRegistration)
                .join(Workflow, col(Workflow.id) == col(WebhookRegistration.workflow_id))
                .where(col(Workflow.active).is_(True))).one())

    def _reload(self) -> None:
        with self._lock:
            generation = _generation
            with self._db.session() as session:
                stamp = self._read_stamp()
                rows = session.exec(
                    select(WebhookRegistration, Workflow)
                    .join(Workflow, col(Workflow.id) == col(WebhookRegistration.workflow_id))
                    .where(col(Workflow.active).is_(True))).all()
            workflows = {workflow.id: workflow for _, workflow in rows}
            table = RouteTable()
            for workflow in workflows.values():
                table_routes = self._routes_of(workflow)
                for route in table_routes:
                    table.add(route)
            self._table, self._stamp, self._generation = table, stamp, generation
            self._checked_at = time.monotonic()

    def _routes_of(self, workflow: Workflow) -> list[Route]:
        from .workflow_json import workflow_to_json

        try:
            return node_routes(workflow.id, workflow.name, workflow.project_id, workflow_to_json(workflow),
                               self._registry)
        except RouteConflict:
            log.warning("workflow %s is active but its webhooks conflict; it gets no routes", workflow.id)
            return []
