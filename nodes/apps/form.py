"""The node description of an App: n8n's `authentication`, `resource` and per-resource `operation`
options, then each operation's parameters shown only for their resource and operation. The
editor builds the form from it unchanged; `docs_markdown` writes the same facts as text."""

from __future__ import annotations

from dataclasses import replace

from engine.node_api import CredentialSlot, NodeDescription, Option, Parameter

from .declarative import App, Operation

RETURN_ALL = "returnAll"
LIMIT = "limit"


def list_parameters(operation: Operation) -> tuple[Parameter, ...]:
    """n8n's returnAll/limit pair, for operations that paginate."""
    if operation.pagination is None:
        return ()
    return (
        Parameter(RETURN_ALL, "Return All", "boolean", default=False,
                  description="Whether to return all results or only up to a given limit"),
        Parameter(LIMIT, "Limit", "number", default=operation.limit_default,
                  description="Max number of results to return", type_options={"minValue": 1},
                  show={RETURN_ALL: (False,)}),
    )


def operation_parameters(operation: Operation) -> tuple[Parameter, ...]:
    """Every parameter the operation reads, in form order."""
    return (*operation.parameters, *list_parameters(operation))


def describe(app: App) -> NodeDescription:
    parameters: list[Parameter] = []
    if len(app.auth) > 1:
        parameters.append(Parameter(
            "authentication", "Authentication", "options", default=app.auth[0].value,
            options=tuple(Option(auth.display_name or auth.value, auth.value) for auth in app.auth)))
    parameters.extend(_resource_parameters(app))
    for resource in app.resources:
        parameters.append(Parameter(
            "operation", "Operation", "options", default=resource.operations[0].name,
            show={"resource": (resource.name,)},
            options=tuple(Option(op.display_name, op.name, op.description) for op in resource.operations)))
    for resource in app.resources:
        for operation in resource.operations:
            where = {"resource": (resource.name,), "operation": (operation.name,)}
            parameters.extend(replace(p, show={**where, **(p.show or {})}) for p in operation_parameters(operation))
    versions = app.versions
    return NodeDescription(
        name=f"knotwork.{app.name}",
        display_name=app.display_name,
        group="output",
        description=app.description,
        versions=versions,
        default_version=app.default_version if app.default_version is not None else versions[-1],
        parameters=tuple(parameters),
        aliases=app.aliases,
        credentials=_slots(app),
        categories=app.categories,
        search_aliases=app.search_aliases,
        icon=app.icon,
    )


def _resource_parameters(app: App) -> list[Parameter]:
    """n8n's `resource` options; when resources are offered only with some sign-in choices, one
    variant per set of choices offering the same resources (each with its own default)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for auth in app.auth or (None,):
        offered = tuple(res.name for res in app.resources
                        if not res.auth or (auth is not None and auth.value in res.auth))
        groups.setdefault(offered, []).append(auth.value if auth else "")
    by_name = {res.name: res for res in app.resources}
    return [Parameter("resource", "Resource", "options", default=names[0],
                      show={"authentication": tuple(values)} if len(groups) > 1 else None,
                      options=tuple(Option(by_name[n].display_name, n, by_name[n].description) for n in names))
            for names, values in groups.items() if names]


def _slots(app: App) -> tuple[CredentialSlot, ...]:
    if len(app.auth) == 1:
        return (CredentialSlot(app.auth[0].credential.name, required=True),)
    return tuple(CredentialSlot(auth.credential.name, required=True, show={"authentication": (auth.value,)})
                 for auth in app.auth)


def docs_markdown(app: App) -> str:
    """A reference page for the app: credentials, then every operation with its request and parameters."""
    lines = [f"# {app.display_name}", "", app.description, ""]
    if app.auth:
        names = ", ".join(f"`{auth.credential.name}`" for auth in app.auth)
        lines += [f"Credentials: {names}", ""]
    for resource in app.resources:
        lines += [f"## {resource.display_name}", ""]
        for operation in resource.operations:
            path = operation.path if isinstance(operation.path, str) else "(computed path)"
            lines.append(f"### {operation.display_name}: `{operation.method} {path}`")
            if operation.description:
                lines.append(operation.description)
            for parameter in operation_parameters(operation):
                required = " (required)" if parameter.required else ""
                lines.append(f"- `{parameter.name}` {parameter.display_name}{required}: {parameter.description}".rstrip(": "))
            lines.append("")
    return "\n".join(lines)
