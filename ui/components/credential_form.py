"""The credential form, generated from a credential type's fields, and the dialog that creates or
edits a credential with it. The credentials page and the workflow editor ("create new credential")
both use `open_credential_dialog`.

Secrets never reach the browser: on edit, a secret field holds the masked marker the service
answered (engine.credential_data.MASKED); sent back unchanged, it keeps the stored secret
(services.credentials.update_credential).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from nicegui import ui

from engine.credential_types import MASKED, CredentialType, CredentialTypeRegistry, is_secret, uses_oauth2
from engine.node_api import Parameter
from services import credentials
from services.access import Actor
from services.credentials import CredentialView
from services.runtime import Runtime

from .feedback import REFUSALS, attempt_async, closing_dialog, notify_refusal

# The field a refusal names: "Credential type 'x': field 'user' (User) is required", "name: ...".
_FIELD_IN_MESSAGE = re.compile(r"field '([^']+)'")

OnSaved = Callable[[CredentialView], Any]


class CredentialFields:
    """One input per field of a credential type, shown or hidden by the type's display rules.

    `values` are the data to start from: a new credential's defaults, or what get_credential
    answered (secrets masked). `data()` is what to send to add_credential / update_credential."""

    def __init__(self, credential_type: CredentialType, values: Mapping[str, Any] | None = None) -> None:
        self.credential_type = credential_type
        self.inputs: dict[str, ui.element] = {}
        self._parameters = [p for p in credential_type.fields if p.type != "hidden"]
        values = values if values is not None else {}
        with ui.column().classes("w-full gap-2") as self.element:
            for parameter in self._parameters:
                start = values.get(parameter.name, parameter.default)
                self.inputs[parameter.name] = _input_for(parameter, start, self._update_visibility)
        self._update_visibility()

    def data(self) -> dict[str, Any]:
        """The fields' values (blank numbers and choices left out, so the type's defaults apply)."""
        data: dict[str, Any] = {}
        for parameter in self._parameters:
            if parameter.type == "notice":
                continue
            value = getattr(self.inputs[parameter.name], "value", None)
            if parameter.type == "number" and isinstance(value, float) and value.is_integer():
                value = int(value)
            if value is None and parameter.type in ("string", "json"):
                value = ""
            if value is not None:
                data[parameter.name] = value
        return data

    def show_error(self, message: str) -> bool:
        """Put a refusal's message under the field it names; False when it names none of them."""
        match = _FIELD_IN_MESSAGE.search(message)
        field = self.inputs.get(match.group(1)) if match else None
        if field is None or not hasattr(field, "error"):
            return False
        field.error = message
        return True

    def clear_errors(self) -> None:
        for field in self.inputs.values():
            if hasattr(field, "error"):
                field.error = None

    def _update_visibility(self) -> None:
        current = {name: getattr(field, "value", None) for name, field in self.inputs.items()}
        for parameter in self._parameters:
            self.inputs[parameter.name].visible = parameter.visible(current, 1.0)


def _input_for(parameter: Parameter, value: Any, on_change: Callable[[], None]) -> ui.element:
    label = parameter.display_name + (" *" if parameter.required else "")
    field: ui.element
    if parameter.type == "notice":
        return ui.label(parameter.display_name).classes("text-grey-8")
    if parameter.type == "boolean":
        field = ui.switch(label, value=bool(value), on_change=on_change)
    elif parameter.type == "number":
        field = ui.number(label, value=value if isinstance(value, int | float) else None, on_change=on_change)
    elif parameter.type in ("options", "multiOptions"):
        choices = {option.value: option.name for option in parameter.options}
        multiple = parameter.type == "multiOptions"
        start = (list(value) if isinstance(value, list) else []) if multiple else (value if value in choices else None)
        field = ui.select(choices, label=label, value=start, multiple=multiple, on_change=on_change)
    elif is_secret(parameter):
        # A password input even for JSON secrets (httpCustomAuth): a secret is never shown in clear.
        field = ui.input(label, value=_text(value), password=True, on_change=on_change)
        field.props.update({"autocomplete": "new-password"})
    elif parameter.type == "json" or parameter.type_options.get("rows"):
        field = ui.textarea(label, value=_text(value), on_change=on_change)
    else:
        field = ui.input(label, value=_text(value), on_change=on_change)
    if parameter.placeholder:
        field.props.update({"placeholder": parameter.placeholder})
    if parameter.description:
        field.props.update({"hint": parameter.description})
    return field.classes("w-full").mark(f"field-{parameter.name}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


# --- the dialog ---------------------------------------------------------------------------------

def open_credential_dialog(runtime: Runtime, actor: Actor, *, credential_id: str | None = None,
                           type_name: str | None = None, project_id: str | None = None,
                           on_saved: OnSaved | None = None,
                           types: CredentialTypeRegistry | None = None) -> ui.dialog:
    """Open a dialog that creates a credential (in `project_id`, default the actor's personal
    project; of `type_name`, or of a type the user picks) or edits `credential_id`. After a save,
    `on_saved(view)` runs and the dialog closes; a refusal stays in the dialog, next to the field
    it names. Raises access.NotFound when the credential cannot be read."""
    types = types or credentials.default_credential_types()
    key = runtime.executions.encryption_key
    existing = credentials.get_credential(runtime.db, actor, credential_id, key=key, types=types) \
        if credential_id else None
    dialog = closing_dialog()
    with dialog, ui.card().classes("w-[36rem] max-w-full").mark("credential-dialog"):
        ui.label("Edit credential" if existing else "New credential").classes("text-lg font-semibold")
        name = ui.input("Name *", value=existing.credential.name if existing else "").classes("w-full") \
            .mark("credential-name")
        chosen_type = existing.credential.type if existing else type_name
        if existing is None and type_name is None:
            options = {item.name: item.display_name for item in types.all()}
            ui.select(options, label="Type", with_input=True, value=None,
                      on_change=lambda event: show_fields(event.value)).classes("w-full").mark("credential-type")
        fields_box = ui.column().classes("w-full")
        state: dict[str, CredentialFields | None] = {"fields": None}

        def show_fields(new_type: str | None) -> None:
            fields_box.clear()
            state["fields"] = None
            credential_type = types.resolve(new_type) if new_type else None
            if credential_type is None or (existing is not None and existing.data is None):
                return
            if existing is None and not name.value:
                name.value = f"{credential_type.display_name} account"
            with fields_box:
                state["fields"] = CredentialFields(credential_type, existing.data if existing else None)

        show_fields(chosen_type)
        if existing is not None and existing.data is None:
            ui.label("You may use this credential but not change its data.").classes("text-grey-8")
        result = ui.label().classes("whitespace-pre-wrap").mark("credential-test-result")
        result.visible = False

        def save() -> None:
            fields = state["fields"]
            if fields is None and existing is None:
                ui.notify("Choose a credential type first", type="warning")
                return
            if fields is not None:
                fields.clear_errors()
            name.error = None
            try:
                if existing is None:
                    assert fields is not None
                    view = credentials.add_credential(runtime.db, actor, key=key, name=name.value or "",
                                                      type=fields.credential_type.name, data=fields.data(),
                                                      project_id=project_id, types=types)
                else:
                    view = credentials.update_credential(runtime.db, actor, existing.credential.id, key=key,
                                                         name=name.value or "",
                                                         data=fields.data() if fields else None, types=types)
            except REFUSALS as error:
                message = str(error)
                if message.startswith("name:"):
                    name.error = message
                elif fields is None or not fields.show_error(message):
                    notify_refusal(error)
                return
            ui.notify(f"Saved '{view.credential.name}'", type="positive")
            if on_saved is not None:
                on_saved(view)
            dialog.close()

        async def test() -> None:
            assert existing is not None
            result.visible = False
            outcome = await credentials.test_saved_credential(runtime.db, actor, existing.credential.id,
                                                              key=key, types=types)
            show_test_result(result, outcome.ok, outcome.message)

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            if existing is not None:
                ui.button("Test", on_click=lambda: attempt_async(test)).props("flat").mark("credential-test")
                credential_type = types.resolve(existing.credential.type)
                if credential_type is not None and uses_oauth2(credential_type):
                    connect_button(existing.credential.id)
            ui.button("Save", on_click=save).props("color=primary").mark("credential-save")
    dialog.open()
    return dialog


def connect_button(credential_id: str) -> ui.button:
    """For OAuth2 types: start the connect flow in a new tab (the provider, then back to /rest)."""
    url = "/rest/oauth2-credential/auth?" + urlencode({"id": credential_id, "redirect": "true"})
    return ui.button("Connect", icon="link", on_click=lambda: ui.navigate.to(url, new_tab=True)) \
        .props("flat").mark(f"connect-{credential_id}")


def show_test_result(label: ui.label, ok: bool, message: str) -> None:
    """A credential test's outcome: "OK" or the failure, in the given label."""
    label.text = f"OK: {message}" if ok else f"Test failed: {message}"
    label.classes(replace="whitespace-pre-wrap " + ("text-positive" if ok else "text-negative"))
    label.visible = True


__all__ = ["MASKED", "CredentialFields", "connect_button", "open_credential_dialog", "show_test_result"]
