"""The running Knotwork version, read from the installed package metadata (pyproject.toml is its source)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def knotwork_version() -> str:
    """Return the installed knotwork version; never raises, says so when the package is not installed."""
    try:
        return version('knotwork')
    except PackageNotFoundError:
        return 'unknown (package not installed: run make install)'
