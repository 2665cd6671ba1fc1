"""The public API for defining app nodes: import everything an app module needs from here.

    from nodes.apps.framework import App, Auth, Operation, Resource, Cursor, LinkHeader, ...

An app module declares `APP = App(...)` (and its credential types); nodes/apps/__init__.py turns
every listed app into a node type and gathers the credential types. See nodes/apps/README.md.
"""

from __future__ import annotations

from engine.credential_types import (
    BasicAuth,
    BearerAuth,
    CredentialTest,
    CredentialType,
    HeaderAuth,
    QueryAuth,
)
from engine.node_api import Option, Parameter

from .declarative import App, Args, Auth, ErrorReader, Operation, Resource, lookup
from .form import docs_markdown
from .node import AppNode, app_node, default_error
from .pagination import Cursor, LinkHeader, NextUrl, Offset, PageNumber, Pagination
from .signing import TemplateAuth

__all__ = [
    "App", "AppNode", "Args", "Auth", "BasicAuth", "BearerAuth", "CredentialTest", "CredentialType", "Cursor",
    "ErrorReader", "HeaderAuth", "LinkHeader", "NextUrl", "Offset", "Operation", "Option", "PageNumber",
    "Pagination", "Parameter", "QueryAuth", "Resource", "TemplateAuth", "app_node", "default_error",
    "docs_markdown", "lookup",
]
