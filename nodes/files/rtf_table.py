"""The table rows of an RTF document: text between \\cell marks, rows ended by \\row.

A small tokenizer, enough for tables as spreadsheet programs write them: groups that are
destinations (font and colour tables, \\* groups, pictures) are skipped; \\'hh, \\uN and escaped
characters are decoded (\\'hh as Windows-1252).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]", re.DOTALL)
_SKIPPED = frozenset(
    ["fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer", "listtable", "listoverridetable", "rsidtbl", "generator", "themedata", "colorschememapping", "latentstyles", "datastore", "xmlnstbl"]
)


def read_rtf_table(text: str) -> list[list[str]]:
    """The rows of every table in the document, each a list of cell texts."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    stack: list[tuple[bool, int]] = []
    skipping = False
    unicode_skip = 1  # \ucN: characters after \uN that stand in for it
    pending_skip = 0
    for match in _TOKEN.finditer(text):
        word, argument, hex_code, symbol, brace, plain = match.groups()
        if brace == "{":
            stack.append((skipping, unicode_skip))
            continue
        if brace == "}":
            skipping, unicode_skip = stack.pop() if stack else (False, 1)
            continue
        if skipping:
            continue
        if symbol == "*" or word in _SKIPPED:
            skipping = True
            continue
        if pending_skip and (plain or hex_code):
            if plain:
                dropped = min(pending_skip, len(plain))
                plain = plain[dropped:]
                pending_skip -= dropped
            else:
                pending_skip -= 1
                continue
        if word == "cell":
            row.append("".join(cell).strip())
            cell = []
        elif word == "row":
            rows.append(row)
            row = []
        elif word in ("line", "par") and cell:
            cell.append("\n")
        elif word == "tab":
            cell.append("\t")
        elif word == "uc" and argument:
            unicode_skip = int(argument)
        elif word == "u" and argument:
            code = int(argument)
            cell.append(chr(code + 65536 if code < 0 else code))
            pending_skip = unicode_skip
        elif hex_code:
            cell.append(bytes([int(hex_code, 16)]).decode("cp1252", errors="replace"))
        elif symbol is not None:
            cell.append({"~": "\u00a0", "-": "", "_": "\u2011"}.get(symbol, symbol))
        elif plain:
            cell.append(plain)
    return [_join_surrogates(r) for r in rows]


def _join_surrogates(row: list[str]) -> list[str]:
    return [value.encode("utf-16", "surrogatepass").decode("utf-16") for value in row]
