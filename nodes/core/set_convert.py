"""JavaScript value conversions the Edit Fields (Set) node relies on, and n8n's field-type checks.

n8n converts with JS rules (`String(x)`, `Number(x)`, `JSON.stringify`), so a Python port has to
spell them out: `String(1.0)` is "1", `Number(" 3 ")` is 3, `Number("")` is 0, `String([1, 2])`
is "1,2". `validate_field_type` reproduces n8n-workflow's `validateFieldType` for the five Set
types, with the same error text (`'x' expects a number but we got 'abc'`).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

_DECIMAL = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}
_JS_WHITESPACE = " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
MAX_SAFE_INTEGER = 2**53 - 1


def js_number_text(value: float | int) -> str:
    """`String(n)` for a JS number: no trailing `.0`, exponent as `1e+21` / `1e-7`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text and 1e-6 <= abs(value) < 1e21:  # JS writes 0.00001 where Python writes 1e-05
        return format(Decimal(text), "f")
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def js_string(value: Any) -> str:
    """JavaScript `String(value)` (None is JS null)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return js_number_text(value)
    if isinstance(value, list):
        return ",".join("" if entry is None else js_string(entry) for entry in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _plain_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON.stringify writes NaN and Infinity as null
    if isinstance(value, dict):
        return {key: _plain_numbers(entry) for key, entry in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(entry) for entry in value]
    return value


def js_json(value: Any) -> str:
    """`JSON.stringify(value)`: compact, integral floats written as integers."""
    return json.dumps(_plain_numbers(value), separators=(",", ":"), ensure_ascii=False, default=str)


def number_value(number: float) -> int | float:
    """A JS number as Python would best hold it: integral values as int."""
    if math.isfinite(number) and number.is_integer() and abs(number) <= MAX_SAFE_INTEGER:
        return int(number)
    return number


def js_to_number(value: Any) -> float:
    """JavaScript `Number(value)`; NaN when it does not convert."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return js_to_number(js_string(value))
    if not isinstance(value, str):
        return math.nan
    text = value.strip(_JS_WHITESPACE)
    if not text:
        return 0.0
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if text.startswith("-") else math.inf
    radix = _RADIX.get(text[:2].lower())
    if radix:
        try:
            return float(int(text[2:], radix))
        except ValueError:
            return math.nan
    return float(text) if _DECIMAL.match(text) else math.nan


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness (`!!value`): [] and {} are true, NaN is false."""
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (list, dict)):
        return True
    return bool(value)


def parse_json(text: str) -> Any:
    """`JSON.parse`: strict JSON (no NaN/Infinity), numbers as JS would hold them."""

    def reject(constant: str) -> Any:
        raise ValueError(f"Unexpected token {constant}")

    return json.loads(text, parse_float=lambda raw: number_value(float(raw)), parse_constant=reject)


def value_description(value: Any) -> str:
    """n8n's `getValueDescription`, used in conversion error messages."""
    if value is None:
        return "'null'"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"'{js_string(value)}'"


def to_number(value: Any) -> int | float:
    number = js_to_number(value)
    if math.isnan(number):
        raise ValueError("Failed to parse value to number")
    return number_value(number)


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not (isinstance(value, str) and value.strip(_JS_WHITESPACE) == ""):
        number = js_to_number(value)
        if number == 0:
            return False
        if number == 1:
            return True
    raise ValueError("Failed to parse value as boolean")


def to_array(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    text = js_string(value)
    try:
        parsed = parse_json(text)
    except ValueError:
        try:
            parsed = parse_json(text.replace("'", '"'))
        except ValueError:
            raise ValueError("Value is not a valid array") from None
    if not isinstance(parsed, list):
        raise ValueError("Value is not a valid array")
    return parsed


def to_object(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    text = js_string(value)
    try:
        parsed = parse_json(text)
    except ValueError:
        parsed = parse_js_object(text)
    if isinstance(parsed, list) or not (parsed is None or isinstance(parsed, dict)):
        raise ValueError("Value is not a valid object")
    return parsed


_CONVERTERS = {"number": to_number, "boolean": to_boolean, "array": to_array, "object": to_object}


def validate_field_type(name: str, value: Any, field_type: str) -> tuple[bool, Any, str]:
    """(valid, converted value, error message) as n8n's `validateFieldType` (non-strict mode)."""
    if value is None:
        return True, None, ""
    converter = _CONVERTERS.get(field_type.lower())
    if converter is None:  # "string" without parseStrings, and every type Set does not use
        return True, value, ""
    try:
        return True, converter(value), ""
    except ValueError:
        return False, None, f"'{name}' expects a {field_type} but we got {value_description(value)}"


# --- JavaScript object literals (n8n's jsonParse with acceptJSObject) -------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<punct>[{}\[\]:,])|(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<number>[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))"""
    r"""|(?P<name>[A-Za-z_$][\w$]*))""",
    re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LITERALS = {"true": True, "false": False, "null": None, "undefined": None}


def parse_js_object(text: str) -> Any:
    """Parse a JS object literal (unquoted or single-quoted keys, trailing commas).

    Returns None when the text is not an object literal. Raises ValueError on a syntax error."""
    tokens = _tokenize(text)
    if not tokens or tokens[0] != ("punct", "{"):
        return None
    value, position = _parse_value(tokens, 0)
    if position != len(tokens):
        raise ValueError("Unexpected token after object")
    return value


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position, stripped = 0, text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise ValueError(f"Unexpected character at position {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _unquote(raw: str) -> str:
    body, out, index = raw[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            escaped = body[index + 1]
            if escaped == "u" and index + 5 < len(body):
                out.append(chr(int(body[index + 2 : index + 6], 16)))
                index += 6
                continue
            out.append(_ESCAPES.get(escaped, escaped))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _parse_value(tokens: list[tuple[str, str]], position: int) -> tuple[Any, int]:
    if position >= len(tokens):
        raise ValueError("Unexpected end of input")
    kind, raw = tokens[position]
    if kind == "string":
        return _unquote(raw), position + 1
    if kind == "number":
        sign = -1.0 if raw.startswith("-") else 1.0
        return number_value(sign * js_to_number(raw.lstrip("+-"))), position + 1
    if kind == "name" and raw in _LITERALS:
        return _LITERALS[raw], position + 1
    if (kind, raw) == ("punct", "["):
        return _parse_sequence(tokens, position + 1, "]", keyed=False)
    if (kind, raw) == ("punct", "{"):
        return _parse_sequence(tokens, position + 1, "}", keyed=True)
    raise ValueError(f"Unexpected token {raw}")


def _parse_sequence(tokens: list[tuple[str, str]], position: int, closer: str, keyed: bool) -> tuple[Any, int]:
    result: Any = {} if keyed else []
    while True:
        if position < len(tokens) and tokens[position] == ("punct", closer):
            return result, position + 1
        if keyed:
            kind, raw = tokens[position] if position < len(tokens) else ("", "")
            if kind not in ("string", "name", "number"):
                raise ValueError(f"Unexpected token {raw or 'end of input'}")
            key = _unquote(raw) if kind == "string" else js_string(number_value(js_to_number(raw))) if kind == "number" else raw
            if position + 1 >= len(tokens) or tokens[position + 1] != ("punct", ":"):
                raise ValueError("Expected ':' after a key")
            value, position = _parse_value(tokens, position + 2)
            result[key] = value
        else:
            value, position = _parse_value(tokens, position)
            result.append(value)
        if position < len(tokens) and tokens[position] == ("punct", ","):
            position += 1
        elif position >= len(tokens) or tokens[position] != ("punct", closer):
            raise ValueError("Expected ',' or a closing bracket")
