"""Building the engine's collaborators from settings: one place for the server, workers and CLI."""

from __future__ import annotations

from engine.ports import Services
from engine.registry import NodeRegistry
from engine.sandbox.pool import SandboxPool

from .settings import Settings


def build_registry(settings: Settings) -> NodeRegistry:
    """Every node type installed through the `knotwork.nodes` entry points, minus the excluded."""
    return NodeRegistry.from_entry_points(exclude=settings.nodes_exclude)


def build_sandbox(settings: Settings) -> SandboxPool:
    """The Code-node process pool (its workers start on first use, or on `await pool.start()`)."""
    return SandboxPool(
        workers=settings.code_workers,
        memory_mb=settings.code_memory_mb,
        timeout_s=settings.code_timeout,
    )


def build_services(settings: Settings, sandbox: SandboxPool | None = None) -> Services:
    return Services(
        code_runner=sandbox,
        default_timezone=settings.timezone,
        expression_timeout=settings.expression_timeout,
    )
