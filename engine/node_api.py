"""The node API: how a node type describes itself and what it sees while it runs.

A node type is a class with a `description` (a `NodeDescription`) and an async `execute(ctx)` that
returns one list of items per output. The UI builds forms from the description, the registry
validates it at load, and the executor reads inputs/outputs/required inputs from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from .items import Item

if TYPE_CHECKING:
    from .workflow import NodeSpec

ParamType = Literal[
    "string",
    "number",
    "boolean",
    "options",
    "multiOptions",
    "collection",
    "fixedCollection",
    "json",
    "code",
    "dateTime",
    "color",
    "filter",
    "assignmentCollection",
    "notice",
    "hidden",
]
PARAM_TYPES: frozenset[str] = frozenset(ParamType.__args__)  # type: ignore[attr-defined]

NodeGroup = Literal["trigger", "input", "output", "transform", "flow", "organization"]


@dataclass(frozen=True)
class Option:
    """One choice of an `options`/`multiOptions` parameter."""

    name: str
    value: Any
    description: str = ""


@dataclass(frozen=True)
class Group:
    """One named group of a `fixedCollection` parameter (n8n: `options[].values`)."""

    name: str
    display_name: str
    fields: tuple[Parameter, ...]


@dataclass(frozen=True)
class Parameter:
    """A node parameter. `show`/`hide` are n8n's displayOptions: `{param_name: (values...)}`;
    the pseudo-parameter `@version` matches the node's typeVersion."""

    name: str
    display_name: str
    type: ParamType
    default: Any = None
    description: str = ""
    required: bool = False
    placeholder: str = ""
    options: tuple[Option, ...] = ()
    fields: tuple[Parameter, ...] = ()  # children of a `collection`
    groups: tuple[Group, ...] = ()  # children of a `fixedCollection`
    multiple: bool = False  # fixedCollection/collection holding a list of values
    show: Mapping[str, tuple[Any, ...]] | None = None
    hide: Mapping[str, tuple[Any, ...]] | None = None
    type_options: Mapping[str, Any] = field(default_factory=dict)  # rows, password, language, min, max

    def visible(self, parameters: Mapping[str, Any], version: float) -> bool:
        """Whether n8n's display rules show this parameter for these sibling values."""

        def matches(rule_key: str, allowed: tuple[Any, ...]) -> bool:
            value = version if rule_key == "@version" else parameters.get(rule_key)
            return value in allowed

        if self.show and not all(matches(k, v) for k, v in self.show.items()):
            return False
        return not (self.hide and any(matches(k, v) for k, v in self.hide.items()))


def effective_values(parameters: tuple[Parameter, ...] | list[Parameter], stored: Any,
                     version: float) -> dict[str, Any]:
    """What display rules compare against: stored values over the defaults of this version's
    parameters (n8n omits defaults when it saves). Of same-named variants with different defaults
    (n8n's per-resource `operation`), the default is that of the variant the other values show."""
    values: dict[str, Any] = {}
    variants: dict[str, list[Parameter]] = {}
    for parameter in parameters:
        if _in_version(parameter, version):
            values.setdefault(parameter.name, parameter.default)
            variants.setdefault(parameter.name, []).append(parameter)
    given = stored if isinstance(stored, Mapping) else {}
    values.update(given)
    ambiguous = [name for name, found in variants.items()
                 if name not in given and len({repr(p.default) for p in found}) > 1]
    for _ in range(len(ambiguous)):  # each pass settles one more level of dependency
        changed = False
        for name in ambiguous:
            shown = next((p for p in variants[name] if p.visible(values, version)), None)
            if shown is not None and repr(values[name]) != repr(shown.default):
                values[name] = shown.default
                changed = True
        if not changed:
            break
    return values


def _in_version(parameter: Parameter, version: float) -> bool:
    """Visibility by the `@version` rules alone (the parameter exists in this version)."""
    if parameter.show and "@version" in parameter.show and version not in parameter.show["@version"]:
        return False
    return not (parameter.hide and "@version" in parameter.hide and version in parameter.hide["@version"])


@dataclass(frozen=True)
class CredentialSlot:
    """A credential the node can use; `show` limits it like a parameter's display rule."""

    name: str
    required: bool = False
    show: Mapping[str, tuple[Any, ...]] | None = None


@dataclass(frozen=True)
class NodeDescription:
    """Everything the editor and the executor need to know about a node type."""

    name: str  # "knotwork.set"
    display_name: str
    group: NodeGroup
    description: str
    versions: tuple[float, ...]
    default_version: float
    parameters: tuple[Parameter, ...] = ()
    inputs: int = 1
    outputs: int = 1
    output_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # n8n type names answered to, e.g. "n8n-nodes-base.set"
    credentials: tuple[CredentialSlot, ...] = ()
    categories: tuple[str, ...] = ()
    search_aliases: tuple[str, ...] = ()  # words the palette search also matches
    icon: str = ""
    trigger: bool = False  # a start node (manual, webhook, schedule...)
    hidden: bool = False  # not offered in the palette (legacy or test-only types)


class NodeType:
    """Base class of every node type. Subclasses set `description` and implement `execute`."""

    description: ClassVar[NodeDescription]

    def input_count(self, node: NodeSpec) -> int:
        return self.description.inputs

    def output_count(self, node: NodeSpec) -> int:
        return self.description.outputs

    def output_names(self, node: NodeSpec) -> list[str]:
        names = list(self.description.output_names)
        return names + [""] * (self.output_count(node) - len(names))

    def required_inputs(self, node: NodeSpec) -> list[int] | None:
        """Inputs that must hold data before a waiting node may be released (None: any one)."""
        return None

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        raise NotImplementedError


class ExecuteContext(Protocol):
    """What a running node sees. Implemented by the executor; nodes never import the executor."""

    node: NodeSpec
    run_index: int
    mode: str
    # Per input, where its items came from: {"previousNode", "previousNodeOutput"?,
    # "previousNodeRun"?} (n8n's shape), or None for an input that received nothing.
    source: list[dict[str, Any] | None]

    @property
    def type_version(self) -> float: ...

    @property
    def input_items(self) -> list[Item]:
        """Items of input 0 (or the first input holding data)."""
        ...

    def input(self, index: int = 0) -> list[Item]: ...

    def input_count(self) -> int: ...

    def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
        """The parameter's value for one item, with expressions evaluated. `name` may be a
        dotted path ("options.ignoreCase"). Raises ExpressionError; never mutate the result."""
        ...

    def raw_param(self, name: str, default: Any = ...) -> Any:
        """The parameter exactly as stored (expressions unevaluated)."""
        ...

    def evaluate(self, value: Any, item_index: int = 0, parameter: str = "",
                 extra: Mapping[str, Any] | None = None) -> Any:
        """Evaluate any value (template strings inside containers too) for one item. `extra`
        adds names for this evaluation only (`{"$response": ..., "$pageCount": ...}`)."""
        ...

    async def get_credentials(self, credential_type: str) -> dict[str, Any]:
        """The decrypted data of the credential this node chose for `credential_type` (its
        `credentials[type]` reference). Raises NodeOperationError when none is chosen or usable."""
        ...

    @property
    def continue_on_fail(self) -> bool: ...

    @property
    def node_context(self) -> dict[str, Any]:
        """State this node keeps between its runs within one execution (Loop Over Items)."""
        ...

    def log(self, message: str) -> None: ...

    def proxy(self, item_index: int = 0) -> Any:
        """The expression data proxy for one item ($json, $input, $('Node')...)."""
        ...

    @property
    def services(self) -> Any:
        """The execution's ports (credentials, static data, sandbox, clock...)."""
        ...

    @property
    def execution_id(self) -> str: ...

    @property
    def timezone(self) -> Any:
        """The workflow's time zone (a ZoneInfo)."""
        ...

    def now(self) -> Any:
        """The current moment (aware datetime) in the workflow's time zone, from the run's clock."""
        ...

    def static_data(self, scope: str = "node") -> dict[str, Any]:
        """Workflow static data (n8n's getWorkflowStaticData): `node` or `global` scope. Changes are
        saved after production runs and polls, never after manual runs."""
        ...

    def put_execution_to_wait(self, wait_till: Any) -> None:
        """After this node, save the execution as `waiting` until `wait_till` (aware datetime)."""
        ...

    @property
    def resume_url(self) -> str:
        """The URL that resumes this execution while it waits (`$execution.resumeUrl`)."""
        ...

