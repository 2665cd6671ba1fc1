"""Source rewrites applied before JavaScript is compiled, outside strings, comments and regexes.

n8n rewrites `value.method()` so that extension functions apply by runtime type. Extensions of
strings, numbers, arrays, dates and booleans sit on their prototypes (engine/js/extensions.js);
object extensions cannot (they would shadow missing JSON keys), so a call `.keys(` becomes
`.__kw_keys(`, a method that prefers the value's own `keys` (Map, Array, Object.keys) and falls
back to the object extension for plain objects.
"""

from __future__ import annotations

import re
from functools import lru_cache

OBJECT_EXTENSIONS = frozenset({
    "isEmpty", "isNotEmpty", "hasField", "removeField", "removeFieldsContaining", "keepFieldsContaining",
    "compact", "urlEncode", "keys", "values", "toJsonString", "merge",
})
_CALL = re.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*\(")
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_KEYWORDS = {"return", "typeof", "case", "in", "of", "new", "delete", "void", "throw", "instanceof", "else", "yield", "await"}
_NODE_REFERENCE = re.compile(r"""\$\(\s*(['"`])((?:\\.|(?!\1).)*)\1\s*\)|\$node\s*\[\s*(['"])((?:\\.|(?!\3).)*)\3\s*\]"""
                             r"""|\$node\.([A-Za-z_$][\w$]*)|\$items\(\s*(['"])((?:\\.|(?!\6).)*)\6""")


def _code_spans(source: str) -> list[tuple[int, int]]:
    """The (start, end) ranges of `source` that are code (not strings, comments, regexes,
    template text)."""
    spans: list[tuple[int, int]] = []
    templates: list[int] = []  # brace depth at which each open `${` of a template resumes text
    depth = 0
    start = 0
    position = 0
    previous = ""  # last significant code token (a character or a keyword)
    length = len(source)

    def close(at: int) -> None:
        if at > start:
            spans.append((start, at))

    while position < length:
        char = source[position]
        if char in "'\"":
            close(position)
            position = _skip_string(source, position + 1, char)
            start, previous = position, "a"
            continue
        if char == "`" or (char == "}" and templates and templates[-1] == depth):
            if char == "}":
                templates.pop()
            close(position)
            position, opened = _skip_template(source, position + 1)
            if opened:
                templates.append(depth)
            start, previous = position, "a"
            continue
        if source.startswith("//", position) or source.startswith("/*", position):
            close(position)
            end = source.find("\n" if source[position + 1] == "/" else "*/", position + 2)
            position = length if end < 0 else end + (1 if source[position + 1] == "/" else 2)
            start = position
            continue
        if char == "/" and (previous in _REGEX_AFTER or previous in _REGEX_KEYWORDS):
            close(position)
            position = _skip_regex(source, position + 1)
            start, previous = position, "a"
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char.isalnum() or char in "_$":
            word_end = position
            while word_end < length and (source[word_end].isalnum() or source[word_end] in "_$"):
                word_end += 1
            previous = source[position:word_end]
            position = word_end
            continue
        if not char.isspace():
            previous = char
        position += 1
    close(length)
    return spans


def _skip_string(source: str, position: int, quote: str) -> int:
    while position < len(source):
        char = source[position]
        if char == "\\":
            position += 2
            continue
        position += 1
        if char == quote or char == "\n":
            return position
    return position


def _skip_template(source: str, position: int) -> tuple[int, bool]:
    """Past template text: (position after the closing backtick, False) or after `${`, True."""
    while position < len(source):
        char = source[position]
        if char == "\\":
            position += 2
            continue
        if char == "`":
            return position + 1, False
        if source.startswith("${", position):
            return position + 2, True
        position += 1
    return position, False


def _skip_regex(source: str, position: int) -> int:
    in_class = False
    while position < len(source):
        char = source[position]
        if char == "\\":
            position += 2
            continue
        if char == "\n":
            return position
        position += 1
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            while position < len(source) and (source[position].isalnum()):
                position += 1
            return position
    return position


@lru_cache(maxsize=4096)
def rewrite(source: str) -> str:
    """`source` with object-extension calls routed through `__kw_<name>`."""
    if not any(name in source for name in OBJECT_EXTENSIONS):
        return source
    out: list[str] = []
    last = 0
    for begin, end in _code_spans(source):
        out.append(source[last:begin])
        out.append(_CALL.sub(_replace_call, source[begin:end]))
        last = end
    out.append(source[last:])
    return "".join(out)


def _replace_call(match: re.Match[str]) -> str:
    name = match.group(1)
    if name not in OBJECT_EXTENSIONS:
        return match.group(0)
    return match.group(0).replace(name, f"__kw_{name}", 1)


def expression_code(segment: str) -> str:
    """A `{{ }}` segment ready to compile as `return (...)`: trailing `;` dropped, rewritten."""
    code = segment.strip()
    while code.endswith(";"):
        code = code[:-1].rstrip()
    return rewrite(code)


def referenced_nodes(source: str) -> tuple[set[str], bool]:
    """(node names the code names literally, whether it may name others dynamically)."""
    names = set()
    for match in _NODE_REFERENCE.finditer(source):
        name = match.group(2) if match.group(2) is not None else match.group(4)
        if name is None:
            name = match.group(5) if match.group(5) is not None else match.group(7)
        if name is not None:
            names.add(name.replace("\\'", "'").replace('\\"', '"'))
    literal = len(re.findall(r"\$\(\s*['\"`]", source)) + len(re.findall(r"\$items\(\s*['\"`)]", source))
    dynamic = (source.count("$(") + source.count("$items(") > literal
               or len(re.findall(r"\$node\s*\[\s*['\"]", source)) < len(re.findall(r"\$node\s*\[", source))
               or any("${" in name for name in names))
    return {name for name in names if "${" not in name}, dynamic
