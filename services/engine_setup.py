"""Building the engine's collaborators from settings: one place for the server, workers and CLI."""

from __future__ import annotations

from pathlib import Path

from engine.ports import FileAccess, Services
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


def file_access(settings: Settings) -> FileAccess:
    """The file nodes' folder (KNOTWORK_FILES_DIR, else <data dir>/files) and unpack limits."""
    folder = settings.files_dir or Path(settings.data_dir) / "files"
    return FileAccess(
        folder=folder,
        max_decompressed_bytes=settings.max_decompressed_mb * 2**20,
        max_decompressed_entries=settings.max_decompressed_entries,
    )


def build_services(settings: Settings, sandbox: SandboxPool | None = None) -> Services:
    return Services(
        code_runner=sandbox,
        files=file_access(settings),
        execute_command_enabled=settings.enable_execute_command,
        default_timezone=settings.timezone,
        expression_timeout=settings.expression_timeout,
    )
