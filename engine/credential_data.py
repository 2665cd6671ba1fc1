"""Credential data against its type: which fields are secret, masking for clients, merging an
update that carries masked values, validation with n8n's field types, and scrubbing messages."""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import KnotworkError
from .node_api import Parameter

if TYPE_CHECKING:
    from .credential_types import CredentialType

MASKED = "__knotwork_masked__"  # stands in for a secret in anything sent to a client


class CredentialDataError(KnotworkError, ValueError):
    """Credential data does not fit its type; the message names the type and the field."""


def is_secret(parameter: Parameter) -> bool:
    return bool(parameter.type_options.get("password"))


def secret_fields(credential_type: CredentialType) -> list[str]:
    """Names of the fields never sent back to a client in clear."""
    return [p.name for p in credential_type.fields if is_secret(p)]


def mask(credential_type: CredentialType, data: Mapping[str, Any]) -> dict[str, Any]:
    """Data fit to send to a client: secrets replaced by MASKED (empty ones stay empty); undeclared
    keys are left out, since nothing says they are not secret."""
    masked: dict[str, Any] = {}
    for parameter in credential_type.fields:
        if parameter.name in data:
            value = data[parameter.name]
            masked[parameter.name] = MASKED if is_secret(parameter) and value not in (None, "", {}) else value
    return masked


def merge_update(credential_type: CredentialType, stored: Mapping[str, Any],
                 update: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data with an update applied. A MASKED value keeps the stored secret, so a client may
    send back what it was given; fields absent from the update keep their stored value."""
    merged = dict(stored)
    for key, value in update.items():
        if value == MASKED:
            if key not in stored:
                raise CredentialDataError(
                    f"Credential type '{credential_type.name}': field '{key}' holds the masked "
                    "placeholder but no secret is stored; send the real value")
            continue
        merged[key] = value
    return merged


def validate(credential_type: CredentialType, data: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """Checked data with defaults applied and numeric strings made numbers. Raises
    CredentialDataError naming the field. `strict=False` drops undeclared keys instead (n8n
    exports carry fields we do not declare, like SSH tunnel settings)."""
    where = f"Credential type '{credential_type.name}'"
    if not isinstance(data, Mapping):
        raise CredentialDataError(f"{where}: data must be an object, not {type(data).__name__}")
    by_name = {p.name: p for p in credential_type.fields}
    unknown = [key for key in data if key not in by_name]
    if unknown and strict:
        raise CredentialDataError(f"{where} has no field '{unknown[0]}'{did_you_mean(unknown[0], by_name)}; "
                                  f"its fields are: {', '.join(by_name) or '(none)'}")
    checked = {name: value for name, value in data.items() if name in by_name}
    for parameter in credential_type.fields:
        if parameter.name not in checked and parameter.default is not None:
            checked[parameter.name] = copy.deepcopy(parameter.default)
    for parameter in credential_type.fields:
        if parameter.name in checked:
            checked[parameter.name] = _checked_value(where, parameter, checked[parameter.name])
        if parameter.required and parameter.visible(checked, 1.0) and checked.get(parameter.name) in (None, ""):
            raise CredentialDataError(f"{where}: field '{parameter.name}' ({parameter.display_name}) is required")
    return checked


def _checked_value(where: str, parameter: Parameter, value: Any) -> Any:
    here = f"{where}: field '{parameter.name}'"
    if value == MASKED:
        raise CredentialDataError(f"{here} holds the masked placeholder; send the real value")
    if value is None or parameter.type in ("hidden", "notice"):
        return value
    if parameter.type == "number":
        return _number(here, value)
    if parameter.type == "boolean" and not isinstance(value, bool):
        raise CredentialDataError(f"{here} must be true or false, not {value!r}")
    if parameter.type == "options" and value not in [option.value for option in parameter.options]:
        allowed = ", ".join(repr(option.value) for option in parameter.options)
        raise CredentialDataError(f"{here} must be one of {allowed}, not {value!r}")
    if parameter.type == "json" and isinstance(value, str) and value.strip():
        json_object(value, f"field '{parameter.name}'", where)
    elif parameter.type in ("string", "json") and not isinstance(value, str | dict | list):
        raise CredentialDataError(f"{here} must be text, not {type(value).__name__}")
    return value


def _number(here: str, value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise CredentialDataError(f"{here} must be a number, not {value!r}")


def json_object(value: Any, what: str, where: str = "Custom auth") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) and value.strip() else None
    except json.JSONDecodeError as error:
        raise CredentialDataError(f"{where}: {what} is not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(parsed, dict):
        raise CredentialDataError(f"{where}: {what} must hold a JSON object")
    return parsed


def secret_values(credential_type: CredentialType, data: Mapping[str, Any]) -> list[str]:
    """Every secret string in the data (nested ones too, like tokens inside oauthTokenData)."""

    def leaves(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            for item in value.values():
                yield from leaves(item)

    return [text for name in secret_fields(credential_type) for text in leaves(data.get(name))]


def scrub(message: str, secrets: Iterable[str]) -> str:
    """The message with every secret replaced by ***. Secrets under 4 characters are skipped:
    replacing them would garble ordinary words and they hide nothing."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, "***")
    return message


def scrub_data(value: Any, secrets: Iterable[str]) -> Any:
    """JSON-shaped data with every secret inside its strings (keys too) replaced by ***."""
    ordered = [secret for secret in sorted(set(secrets), key=len, reverse=True) if len(secret) >= 4]
    if not ordered:
        return value

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            return scrub(item, ordered) if any(secret in item for secret in ordered) else item
        if isinstance(item, Mapping):
            return {clean(key): clean(child) for key, child in item.items()}
        if isinstance(item, list | tuple):
            return [clean(child) for child in item]
        return item

    return clean(value)


def closest_name(name: str, known: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    closest = closest_name(name, known)
    return f" (did you mean '{closest}'?)" if closest else ""
