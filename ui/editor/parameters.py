"""The parameter form of a node, generated from its description (engine.node_api).

`ParameterForm`: one input per visible parameter, each switchable between a fixed value and an
expression (n8n's `=` prefix), filter conditions and assignments edited as rows, fields dropped from
the data panels written as `{{ $json.field }}`. It edits a private working copy and reports the
parameters cleaned by the rules of ui.editor.parameter_values; it never mutates what it was given.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nicegui import ui
from nicegui.elements.mixins.disableable_element import DisableableElement

from engine.expressions import is_expression
from engine.node_api import Group, NodeDescription, Parameter

from .expression import ExpressionContext, ExpressionInput, MappedField
from .parameter_values import (
    ASSIGNMENT_TYPES,
    EXPRESSION_TYPES,
    MISSING,
    OPERATOR_CHOICES,
    TEXT_TYPES,
    assignment_parameter,
    clean_parameters,
    coerce_assignment,
    coerce_side,
    display_text,
    filter_options,
    kind_of,
    new_assignment,
    new_condition,
    new_filter,
    operator_value,
    parse_number,
    path_key,
    plain_text,
    to_expression,
    to_fixed,
    validate,
    visible_parameters,
)

# ---- the form --------------------------------------------------------------------------------------

ChangeHandler = Callable[[dict[str, Any], bool], None]


class ParameterForm(ui.column):
    """Inputs for every visible parameter of a node. `on_change(parameters, immediate)` receives the
    cleaned parameters after each edit; `immediate` is False for keystrokes (the caller debounces)."""

    def __init__(
        self,
        description: NodeDescription,
        parameters: Mapping[str, Any],
        version: float,
        *,
        expressions: ExpressionContext,
        on_change: ChangeHandler,
        on_blur: Callable[[], None] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.classes("w-full gap-3")
        self._parameters = description.parameters
        self._version = version
        self._working: dict[str, Any] = copy.deepcopy(dict(parameters))
        self._expressions = expressions
        self._on_change = on_change
        self._on_blur = on_blur or (lambda: None)
        self._read_only = read_only
        self._filters = {p.name for p in self._parameters if p.type == "filter"}
        self._sync_filters = False
        self._errors: dict[str, ui.label] = {}
        self._layout: tuple[Any, ...] = ()
        self.render()

    # ---- state ---------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The parameters as they are stored (see clean_parameters)."""
        cleaned = clean_parameters(self._parameters, self._working, self._version)
        if self._sync_filters:
            for name in self._filters & cleaned.keys():
                value = cleaned[name]
                if isinstance(value, dict) and isinstance(value.get("conditions"), list):
                    options = dict(value.get("options") or {})
                    options.update(filter_options(cleaned, self._version))
                    cleaned[name] = {**value, "options": options}
        return cleaned

    def _get(self, path: Sequence[str | int], default: Any = MISSING) -> Any:
        value: Any = self._working
        for key in path:
            in_mapping = isinstance(value, Mapping) and key in value
            in_list = isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value)
            if not (in_mapping or in_list):
                return default
            value = value[key]
        return value

    def _put(self, path: Sequence[str | int], value: Any) -> None:
        target: Any = self._working
        for key, following in zip(path[:-1], path[1:], strict=False):
            nested = target[key] if (isinstance(target, list) or key in target) else None
            if not isinstance(nested, dict | list):
                nested = [] if isinstance(following, int) else {}
                target[key] = nested
            target = nested
        target[path[-1]] = value

    def _remove(self, path: Sequence[str | int]) -> None:
        parent = self._get(path[:-1], None)
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
            parent.pop(path[-1])

    def _set(self, path: Sequence[str | int], value: Any, *, immediate: bool = False) -> None:
        self._put(path, value)
        self._changed(path, immediate)

    def _changed(self, path: Sequence[str | int], immediate: bool, *, render: bool = False) -> None:
        if str(path[0]) in self._filters | {"options", "looseTypeValidation"}:
            self._sync_filters = True
        if render or self._layout_signature() != self._layout:
            self.render()
            immediate = True
        self._on_change(self.values(), immediate)

    def _layout_signature(self) -> tuple[Any, ...]:
        """The visible parameter paths: when display rules change them, the form is rebuilt."""
        found: list[Any] = []
        self._walk(self._parameters, (), found)
        return tuple(found)

    def _walk(self, parameters: Sequence[Parameter], base: tuple[str | int, ...], found: list[Any]) -> None:
        for parameter in visible_parameters(parameters, self._get(base, {}), self._version):
            path = (*base, parameter.name)
            found.append(path)
            if parameter.type == "collection" and not parameter.multiple:
                self._walk(parameter.fields, path, found)
            elif parameter.type == "fixedCollection":
                for group in parameter.groups:
                    entries = self._get((*path, group.name), None)
                    if parameter.multiple and isinstance(entries, list):
                        for index in range(len(entries)):
                            self._walk(group.fields, (*path, group.name, index), found)
                    elif isinstance(entries, Mapping):
                        self._walk(group.fields, (*path, group.name), found)

    # ---- rendering -----------------------------------------------------------------------------
    def render(self) -> None:
        self.clear()
        self._errors = {}
        with self:
            shown = [p for p in visible_parameters(self._parameters, self._working, self._version) if p.type != "hidden"]
            if not shown:
                ui.label("This node has no parameters.").classes("text-grey-6 text-sm")
            self._parameter_list(self._parameters, ())
        self._layout = self._layout_signature()

    def _parameter_list(self, parameters: Sequence[Parameter], base: tuple[str | int, ...]) -> None:
        for parameter in visible_parameters(parameters, self._get(base, {}), self._version):
            self._parameter(parameter, (*base, parameter.name))

    def _parameter(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        kind = parameter.type
        if kind == "hidden":
            return
        if kind == "notice":
            with ui.row().classes("w-full items-start no-wrap gap-2 p-2 rounded bg-amber-1"):
                ui.icon("info").classes("text-amber-9")
                ui.label(plain_text(parameter.display_name)).classes("text-sm")
            return
        value = self._get(path, None)
        if is_expression(value) or kind in EXPRESSION_TYPES or kind == "code":
            self._leaf(parameter, path)
        elif kind == "collection":
            self._collection(parameter, path)
        elif kind == "fixedCollection":
            self._fixed_collection(parameter, path)
        elif kind == "filter":
            self._filter(parameter, path)
        elif kind == "assignmentCollection":
            self._assignments(parameter, path)

    def _own(self, element: Any) -> Any:
        if self._read_only and isinstance(element, DisableableElement):
            element.disable()
        return element

    def _leaf(
        self,
        parameter: Parameter,
        path: tuple[str | int, ...],
        *,
        labelled: bool = True,
        coerce: Callable[[Any], Any] | None = None,
    ) -> None:
        """One value: its label, Fixed/Expression switch, input, description and validation message."""
        key = path_key(path)
        value = self._get(path, parameter.default)
        expression_allowed = parameter.type in EXPRESSION_TYPES or is_expression(value)
        with ui.column().classes("w-full gap-0") as box:
            if labelled:
                with ui.row().classes("w-full items-center justify-between no-wrap"):
                    ui.label(parameter.display_name + (" *" if parameter.required else "")).classes(
                        "text-sm font-medium"
                    )
                    if expression_allowed:
                        self._mode_toggle(parameter, path, value)
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                with ui.column().classes("grow gap-0 min-w-0"):
                    if is_expression(value):
                        self._expression_input(parameter, path, str(value))
                    else:
                        self._fixed_input(parameter, path, value, coerce)
                if not labelled and expression_allowed:
                    self._mode_toggle(parameter, path, value, small=True)
            if labelled and parameter.description:
                ui.label(plain_text(parameter.description)).classes("text-xs text-grey-6")
            error = ui.label().classes("text-xs text-negative").mark(f"error:{key}")
            self._errors[key] = error
            self._show_error(key, validate(parameter, value))
        box.mark(f"drop:{key}")
        box.on("dragover", js_handler="(e) => e.preventDefault()")
        box.on("drop", lambda _: self._drop(parameter, path),
               js_handler="(e) => { e.preventDefault(); e.stopPropagation(); emit(); }")

    def _mode_toggle(self, parameter: Parameter, path: tuple[str | int, ...], value: Any, small: bool = False) -> None:
        labels = {False: "abc", True: "fx"} if small else {False: "Fixed", True: "Expression"}
        toggle = ui.toggle(labels, value=is_expression(value),
                           on_change=lambda e: self._switch(parameter, path, bool(e.value)))
        toggle.props("dense no-caps size=sm unelevated toggle-color=primary").mark(f"mode:{path_key(path)}")
        toggle.tooltip("A fixed value, or an expression evaluated for each item")
        self._own(toggle)

    def _expression_input(self, parameter: Parameter, path: tuple[str | int, ...], value: str) -> None:
        multiline = parameter.type in ("json", "code") or int(parameter.type_options.get("rows", 1) or 1) > 1
        ExpressionInput(
            value,
            context=self._expressions,
            on_change=lambda text: self._set(path, text),
            multiline=multiline,
            marker=f"param:{path_key(path)}",
            on_blur=self._on_blur,
            on_focus=lambda: self._expressions.mapping.focus(lambda m: self._insert(parameter, path, m)),
            read_only=self._read_only,
            placeholder=parameter.placeholder,
        )

    def _fixed_input(
        self, parameter: Parameter, path: tuple[str | int, ...], value: Any, coerce: Callable[[Any], Any] | None
    ) -> None:
        key = path_key(path)
        kind = parameter.type

        def changed(new: Any, immediate: bool = False) -> None:
            if coerce is not None:
                new = coerce(new)
            self._show_error(key, validate(parameter, new))
            if new is None and kind == "number":
                self._remove(path)
                self._changed(path, immediate)
            else:
                self._set(path, new, immediate=immediate)

        widget: Any
        if kind == "boolean":
            widget = ui.switch(value=bool(value), on_change=lambda e: changed(bool(e.value), True))
        elif kind in ("options", "multiOptions"):
            widget = self._select(parameter, value, lambda new: changed(new, True))
        elif kind == "number":
            widget = ui.number(value=value if isinstance(value, int | float) and not isinstance(value, bool) else None,
                               placeholder=parameter.placeholder or None,
                               on_change=lambda e: changed(parse_number(e.value) if e.value is not None else None))
            widget.props("outlined dense")
            for bound in ("min", "max"):
                if parameter.type_options.get(bound) is not None:
                    widget.props(f"{bound}={parameter.type_options[bound]}")
        elif kind == "code":
            language = {"python": "Python", "javaScript": "JavaScript"}.get(str(parameter.type_options.get("language")))
            widget = ui.codemirror(value=display_text(value), language=language,
                                   on_change=lambda e: changed(e.value)).classes("w-full")
            widget.style(f"min-height: {int(parameter.type_options.get('rows', 10)) * 1.4}em")
            widget.on("blur", lambda _: self._on_blur())
        elif kind == "color":
            widget = ui.color_input(value=display_text(value), on_change=lambda e: changed(e.value or ""))
            widget.props("outlined dense")
        else:
            widget = self._text_input(parameter, value, changed)
        widget.classes("w-full").mark(f"param:{key}")
        if kind in TEXT_TYPES or kind == "number":
            widget.on("blur", lambda _: self._on_blur())
            widget.on("focus", lambda _: self._expressions.mapping.focus(lambda m: self._insert(parameter, path, m)))
        self._own(widget)

    def _text_input(self, parameter: Parameter, value: Any, changed: Callable[[Any], None]) -> Any:
        rows = int(parameter.type_options.get("rows", 1) or 1)
        placeholder = parameter.placeholder or None
        if parameter.type == "json" or rows > 1:
            widget = ui.textarea(value=display_text(value), placeholder=placeholder,
                                 on_change=lambda e: changed(e.value or ""))
            widget.props("outlined dense autogrow" + (" input-class=font-mono" if parameter.type == "json" else ""))
            return widget
        if parameter.type_options.get("password"):
            return ui.input(value=display_text(value), placeholder=placeholder, password=True,
                            password_toggle_button=True, on_change=lambda e: changed(e.value or "")).props("outlined dense")
        if parameter.type == "dateTime":
            placeholder = placeholder or "2024-05-31T14:30:00"
        return ui.input(value=display_text(value), placeholder=placeholder,
                        on_change=lambda e: changed(e.value or "")).props("outlined dense")

    def _select(self, parameter: Parameter, value: Any, changed: Callable[[Any], None]) -> Any:
        choices: dict[Any, str] = {option.value: option.name for option in parameter.options}
        multiple = parameter.type == "multiOptions"
        current = value if multiple else [value]
        for unknown in (v for v in (current if isinstance(current, list) else []) if v not in choices):
            try:
                choices[unknown] = f"{unknown} (unknown)"
            except TypeError:  # an unhashable imported value: shown as empty rather than crashing
                continue
        shown = [v for v in current if _hashable(v) and v in choices] if isinstance(current, list) else []
        widget = ui.select(choices, value=shown if multiple else (shown[0] if shown else None), multiple=multiple,
                           on_change=lambda e: changed(list(e.value or []) if multiple else e.value))
        widget.props("outlined dense options-dense" + (" use-chips" if multiple else ""))
        return widget

    def _show_error(self, key: str, message: str | None) -> None:
        label = self._errors.get(key)
        if label is not None and not label.is_deleted:
            label.text = message or ""
            label.set_visibility(bool(message))

    # ---- fixed / expression and mapping -------------------------------------------------------
    def _switch(self, parameter: Parameter, path: tuple[str | int, ...], expression: bool) -> None:
        value = self._get(path, parameter.default)
        if expression == is_expression(value):
            return
        new = to_expression(value) if expression else to_fixed(parameter, value, self._expressions.preview)
        self._put(path, new)
        self._changed(path, True, render=True)

    def _drop(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        mapped = self._expressions.mapping.take()
        if mapped is not None and not self._read_only:
            self._insert(parameter, path, mapped)

    def _insert(self, parameter: Parameter, path: tuple[str | int, ...], mapped: MappedField) -> None:
        """Write a mapped field into a parameter: appended to an expression (or to fixed text), or
        replacing any other fixed value, and always leaving the parameter in expression mode."""
        if self._read_only:
            return
        current = self._get(path, parameter.default)
        if is_expression(current):
            new = str(current) + mapped.expression
        elif parameter.type in ("string", "json") and isinstance(current, str) and current:
            new = "=" + current + mapped.expression
        else:
            new = "=" + mapped.expression
        self._put(path, new)
        self._changed(path, True, render=True)

    # ---- containers ----------------------------------------------------------------------------
    def _section(self, parameter: Parameter) -> ui.column:
        section = ui.column().classes("w-full gap-2 p-2 rounded border border-gray-300")
        with section:
            ui.label(parameter.display_name).classes("text-sm font-medium")
            if parameter.description:
                ui.label(plain_text(parameter.description)).classes("text-xs text-grey-6")
        return section

    def _collection(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        value = self._get(path, {})
        with self._section(parameter):
            if parameter.multiple:
                entries = value if isinstance(value, list) else []
                for index in range(len(entries)):
                    with ui.column().classes("w-full gap-2 p-2 rounded bg-grey-1"):
                        self._collection_body(parameter, (*path, index))
                        self._remove_button(parameter, (*path, index), "Remove")
                if not self._read_only:
                    ui.button("Add", icon="add", on_click=lambda: self._append(path, {})).props("flat dense no-caps")
            else:
                self._collection_body(parameter, path)

    def _collection_body(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        value = self._get(path, {})
        value = value if isinstance(value, Mapping) else {}
        shown = visible_parameters(parameter.fields, value, self._version)
        for field in shown:
            if field.name in value:
                with ui.row().classes("w-full items-start no-wrap gap-1"):
                    with ui.column().classes("grow min-w-0"):
                        self._parameter(field, (*path, field.name))
                    self._remove_button(field, (*path, field.name), f"Remove {field.display_name}")
        addable = {field.name: field.display_name for field in shown if field.name not in value}
        if addable and not self._read_only:
            fields = {field.name: field for field in shown}
            ui.select(addable, label=parameter.placeholder or "Add option",
                      on_change=lambda e: self._add_option(path, fields[e.value]) if e.value else None).props(
                "outlined dense options-dense"
            ).classes("w-full").mark(f"add:{path_key(path)}")
        elif not value:
            ui.label("No options").classes("text-xs text-grey-6")

    def _add_option(self, path: tuple[str | int, ...], field: Parameter) -> None:
        default = copy.deepcopy(field.default)
        if field.type == "fixedCollection" and default is None:
            default = {}
        self._put((*path, field.name), default)
        self._changed(path, True, render=True)

    def _remove_button(self, parameter: Parameter, path: tuple[str | int, ...], tooltip: str) -> None:
        if self._read_only:
            return
        ui.button(icon="close", on_click=lambda: self._delete(path)).props("flat dense round size=sm").tooltip(
            tooltip
        ).mark(f"remove:{path_key(path)}")

    def _delete(self, path: tuple[str | int, ...]) -> None:
        self._remove(path)
        self._changed(path, True, render=True)

    def _append(self, path: tuple[str | int, ...], entry: Any) -> None:
        entries = self._get(path, None)
        if not isinstance(entries, list):
            entries = []
        self._put(path, [*entries, entry])
        self._changed(path, True, render=True)

    def _fixed_collection(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        value = self._get(path, {})
        value = value if isinstance(value, Mapping) else {}
        with self._section(parameter):
            for group in parameter.groups:
                entries = value.get(group.name)
                if parameter.multiple and isinstance(entries, list):
                    for index in range(len(entries)):
                        self._group_entry(parameter, group, (*path, group.name, index), len(entries))
                elif not parameter.multiple and isinstance(entries, Mapping):
                    self._group_entry(parameter, group, (*path, group.name), 1)
            if not self._read_only:
                self._add_group_controls(parameter, path, value)

    def _group_entry(self, parameter: Parameter, group: Group, path: tuple[str | int, ...], count: int) -> None:
        with ui.column().classes("w-full gap-2 p-2 rounded bg-grey-1"):
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label(group.display_name).classes("text-xs font-semibold text-grey-8")
                with ui.row().classes("gap-0 no-wrap"):
                    if isinstance(path[-1], int) and not self._read_only:
                        index = path[-1]
                        if index > 0:
                            ui.button(icon="arrow_upward", on_click=lambda: self._move(path, -1)).props(
                                "flat dense round size=sm")
                        if index < count - 1:
                            ui.button(icon="arrow_downward", on_click=lambda: self._move(path, 1)).props(
                                "flat dense round size=sm")
                    self._remove_button(parameter, path, f"Remove {group.display_name}")
            self._parameter_list(group.fields, path)

    def _move(self, path: tuple[str | int, ...], step: int) -> None:
        entries = self._get(path[:-1], None)
        index = path[-1]
        if isinstance(entries, list) and isinstance(index, int) and 0 <= index + step < len(entries):
            entries[index], entries[index + step] = entries[index + step], entries[index]
            self._changed(path, True, render=True)

    def _add_group_controls(self, parameter: Parameter, path: tuple[str | int, ...], value: Mapping[str, Any]) -> None:
        addable = [g for g in parameter.groups if parameter.multiple or g.name not in value]
        if not addable:
            return
        label = parameter.placeholder or f"Add {parameter.display_name}"
        marker = f"add:{path_key(path)}"
        if len(addable) == 1:
            group = addable[0]
            ui.button(label if len(parameter.groups) == 1 else f"Add {group.display_name}", icon="add",
                      on_click=lambda: self._add_group(parameter, path, group)).props("flat dense no-caps").mark(marker)
            return
        groups = {g.name: g for g in addable}
        ui.select({g.name: g.display_name for g in addable}, label=label,
                  on_change=lambda e: self._add_group(parameter, path, groups[e.value]) if e.value else None).props(
            "outlined dense options-dense"
        ).classes("w-full").mark(marker)

    def _add_group(self, parameter: Parameter, path: tuple[str | int, ...], group: Group) -> None:
        entry = {field.name: copy.deepcopy(field.default) for field in group.fields if field.type not in ("notice",)}
        if parameter.multiple:
            self._append((*path, group.name), entry)
        else:
            self._put((*path, group.name), entry)
            self._changed(path, True, render=True)

    # ---- filter conditions ---------------------------------------------------------------------
    def _filter(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        value = self._get(path, None)
        if not isinstance(value, Mapping) or not isinstance(value.get("conditions"), list):
            # n8n starts a new filter with one empty condition; it is stored with the next edit
            value = new_filter(self._working, self._version)
            self._put(path, value)
        conditions = value["conditions"]
        with self._section(parameter):
            for index in range(len(conditions)):
                self._condition((*path, "conditions", index))
            if len(conditions) > 1:
                ui.select({"and": "AND: all conditions", "or": "OR: any condition"}, value=value.get("combinator", "and"),
                          label="Combine", on_change=lambda e: self._set((*path, "combinator"), e.value, immediate=True)
                          ).props("outlined dense").classes("w-full").mark(f"combinator:{path_key(path)}")
            if not self._read_only:
                ui.button("Add condition", icon="add", on_click=lambda: self._append((*path, "conditions"), new_condition())
                          ).props("flat dense no-caps").mark(f"add:{path_key(path)}")

    def _condition(self, path: tuple[str | int, ...]) -> None:
        condition = self._get(path, {})
        operator = condition.get("operator") if isinstance(condition.get("operator"), Mapping) else {}
        kind, operation = str(operator.get("type", "string")), str(operator.get("operation", "equals"))
        right_kind = str(operator.get("rightType") or kind)
        choice = f"{kind}:{operation}"
        choices = dict(OPERATOR_CHOICES)
        choices.setdefault(choice, f"{kind}: {operation}")
        with ui.column().classes("w-full gap-1 p-2 rounded bg-grey-1"):
            self._leaf(Parameter("leftValue", "Value 1", "string", default="", placeholder="value1"),
                       (*path, "leftValue"), labelled=False, coerce=lambda v: coerce_side(v, kind))
            with ui.row().classes("w-full items-center no-wrap gap-1"):
                self._own(ui.select(choices, value=choice, on_change=lambda e: self._set_operator(path, str(e.value)))
                          .props("outlined dense options-dense").classes("grow").mark(f"operator:{path_key(path)}"))
                self._remove_button(Parameter("condition", "Condition", "string"), path, "Remove condition")
            if not operator.get("singleValue"):
                self._leaf(Parameter("rightValue", "Value 2", "string", default="", placeholder="value2"),
                           (*path, "rightValue"), labelled=False, coerce=lambda v: coerce_side(v, right_kind))

    def _set_operator(self, path: tuple[str | int, ...], choice: str) -> None:
        kind, _, operation = choice.partition(":")
        operator = operator_value(kind, operation)
        self._put((*path, "operator"), operator)
        right = self._get((*path, "rightValue"), "")
        self._put((*path, "rightValue"), coerce_side(display_text(right), operator.get("rightType", kind)))
        self._changed(path, True, render=True)

    # ---- assignments ---------------------------------------------------------------------------
    def _assignments(self, parameter: Parameter, path: tuple[str | int, ...]) -> None:
        value = self._get(path, {})
        entries = value.get("assignments") if isinstance(value, Mapping) else None
        entries = entries if isinstance(entries, list) else []
        with self._section(parameter) as section:
            if not entries:
                ui.label("Drag input fields here, or add a field").classes("text-xs text-grey-6")
            for index in range(len(entries)):
                self._assignment((*path, "assignments", index))
            if not self._read_only:
                ui.button("Add field", icon="add", on_click=lambda: self._append((*path, "assignments"), new_assignment())
                          ).props("flat dense no-caps").mark(f"add:{path_key(path)}")
        section.mark(f"drop:{path_key(path)}")
        section.on("dragover", js_handler="(e) => e.preventDefault()")
        section.on("drop", lambda _: self._drop_assignment(path), js_handler="(e) => { e.preventDefault(); emit(); }")

    def _assignment(self, path: tuple[str | int, ...]) -> None:
        entry = self._get(path, {})
        kind = str(entry.get("type") or "string")
        with ui.column().classes("w-full gap-1 p-2 rounded bg-grey-1"):
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                with ui.column().classes("grow min-w-0"):
                    self._leaf(Parameter("name", "Name", "string", default="", placeholder="name"),
                               (*path, "name"), labelled=False)
                types = dict(ASSIGNMENT_TYPES)
                types.setdefault(kind, kind)
                self._own(ui.select(types, value=kind, on_change=lambda e: self._set_assignment_type(path, str(e.value)))
                          .props("outlined dense options-dense").classes("w-28").mark(f"type:{path_key(path)}"))
                self._remove_button(Parameter("assignment", "Field", "string"), path, "Remove field")
            self._leaf(assignment_parameter(kind), (*path, "value"), labelled=False,
                       coerce=lambda v: coerce_assignment(v, kind))

    def _set_assignment_type(self, path: tuple[str | int, ...], kind: str) -> None:
        self._put((*path, "type"), kind)
        self._put((*path, "value"), coerce_assignment(self._get((*path, "value"), ""), kind))
        self._changed(path, True, render=True)

    def _drop_assignment(self, path: tuple[str | int, ...]) -> None:
        mapped = self._expressions.mapping.take()
        if mapped is None or self._read_only:
            return
        entry = new_assignment(mapped.name, "=" + mapped.expression, kind_of(mapped.kind))
        self._append((*path, "assignments"), entry)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
