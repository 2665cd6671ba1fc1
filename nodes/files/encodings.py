"""Text encodings by their n8n (iconv-lite) names, mapped onto Python codecs.

Unencodable characters become "?" and undecodable bytes U+FFFD, as iconv-lite does; a byte order
mark is added only on request and stripped on decoding unless asked not to.
"""

from __future__ import annotations

import codecs
import re

from engine.errors import NodeOperationError
from engine.node_api import Option

# iconv-lite names (lower case, without "-" and "_") that differ from Python's codec names.
_ALIASES = {
    "utf8": "utf-8",
    "cesu8": "utf-8",
    "ucs2": "utf-16-le",
    "utf16le": "utf-16-le",
    "utf16be": "utf-16-be",
    "utf16": "utf-16",
    "utf32": "utf-32",
    "utf32le": "utf-32-le",
    "utf32be": "utf-32-be",
    "latin1": "latin-1",
    "binary": "latin-1",
    "ascii": "ascii",
    "koi8r": "koi8-r",
    "koi8u": "koi8-u",
    "shiftjis": "shift_jis",
    "eucjp": "euc_jp",
    "euckr": "euc_kr",
    "macintosh": "mac-roman",
}
_NUMBERED = re.compile(r"^(?:windows|win|cp)(\d{3,4})$")
_ISO = re.compile(r"^iso8859(\d{1,2})$")

ENCODING_NAMES = (
    "utf8", "utf16le", "ucs2", "utf16be", "utf16", "utf32", "cesu8", "ascii", "latin1", "binary",
    "iso88591", "iso88592", "iso88593", "iso88594", "iso88595", "iso88596", "iso88597", "iso88598",
    "iso88599", "iso885910", "iso885913", "iso885914", "iso885915", "iso885916",
    "windows874", "windows1250", "windows1251", "windows1252", "windows1253", "windows1254",
    "windows1255", "windows1256", "windows1257", "windows1258", "cp437", "cp850", "cp852", "cp866",
    "koi8r", "koi8u", "macintosh", "gbk", "gb18030", "big5", "big5hkscs", "shiftjis", "eucjp", "euckr",
)
ENCODING_OPTIONS = tuple(Option(name, name) for name in ENCODING_NAMES)
BOM_ENCODINGS = ("utf8", "cesu8", "ucs2")


def codec_name(encoding: str | None) -> str:
    """The Python codec for an n8n encoding name (default utf-8). Raises NodeOperationError for an
    encoding neither n8n's list nor Python knows."""
    key = re.sub(r"[-_\s]", "", (encoding or "utf8").lower())
    name = _ALIASES.get(key)
    if name is None:
        numbered = _NUMBERED.match(key)
        iso = _ISO.match(key)
        name = f"cp{numbered.group(1)}" if numbered else f"iso8859-{iso.group(1)}" if iso else encoding or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise NodeOperationError(f"Unknown encoding '{encoding}'", description="Pick one of the listed encodings") from None


def encode_text(text: str, encoding: str | None = None, add_bom: bool = False) -> bytes:
    """`text` as bytes in `encoding`; `add_bom` prefixes the byte order mark."""
    codec = codec_name(encoding)
    if add_bom:
        text = "\ufeff" + text
    # Python's utf-16/utf-32 codecs add a BOM of their own; iconv-lite's encoders do not.
    if codec in ("utf-16", "utf-32"):
        codec += "-le"
    return text.encode(codec, errors="replace")


def decode_text(data: bytes, encoding: str | None = None, strip_bom: bool = True) -> str:
    """`data` decoded from `encoding`; a leading BOM is removed unless `strip_bom` is False."""
    codec = codec_name(encoding)
    text = data.decode(codec, errors="replace")
    if strip_bom and text.startswith("\ufeff"):
        text = text[1:]
    return text
