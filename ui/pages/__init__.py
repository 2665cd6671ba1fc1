"""One module per page. Every module here with a `register(runtime)` function is registered by
`register_all`, so adding a page is adding a module."""

from __future__ import annotations

import importlib
import pkgutil

from services.runtime import Runtime


def register_all(runtime: Runtime | None) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(runtime)
