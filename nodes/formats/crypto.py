"""Crypto (n8n `crypto`): hash, HMAC or sign a value (or a binary file), or generate a random
value, written into `dataPropertyName` (dot notation) of a copy of the input item.

v1 takes the HMAC secret and the private key as parameters; v2 reads them from a `crypto`
credential (`hmacSecret`, `signPrivateKey`) so they are not stored in the workflow.
"""

from __future__ import annotations

from typing import Any

from engine.credential_types import CredentialType
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType, Option, Parameter
from nodes.core.dot_path import set_path

from .common import map_items, read_binary
from .crypto_ops import HASH_TYPES, SIGN_ALGORITHMS, generate, hash_bytes, hmac_bytes, sign_bytes

V1 = (1.0,)
V2 = (2.0,)
_HASH_OR_HMAC = ("hash", "hmac")
_ENCODINGS = (Option("BASE64", "base64"), Option("HEX", "hex"))
_TYPES = tuple(Option(name, name) for name in HASH_TYPES)

CRYPTO_CREDENTIAL = CredentialType(
    name="crypto",
    display_name="Crypto",
    fields=(
        Parameter("hmacSecret", "Hmac Secret", "string", default="", type_options={"password": True},
                  description="The secret used by the Hmac action"),
        Parameter("signPrivateKey", "Private Key", "string", default="",
                  type_options={"password": True, "rows": 4}, description="The PEM private key used by the Sign action"),
    ),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/crypto/",
)

PARAMETERS = (
    Parameter("action", "Action", "options", default="hash", options=(
        Option("Generate", "generate", "Generate random string"),
        Option("Hash", "hash", "Hash a text or file in a specified format"),
        Option("Hmac", "hmac", "Hmac a text or file in a specified format"),
        Option("Sign", "sign", "Sign a string using a private key"))),
    Parameter("binaryData", "Binary File", "boolean", default=False, show={"action": _HASH_OR_HMAC},
              description="Whether the data to hash is a binary file"),
    Parameter("binaryPropertyName", "Binary Property Name", "string", default="data", required=True,
              show={"action": _HASH_OR_HMAC, "binaryData": (True,)},
              description="Name of the binary property which contains the input data"),
    Parameter("type", "Type", "options", default="MD5", options=_TYPES, required=True, show={"action": _HASH_OR_HMAC},
              description="The hash type to use"),
    Parameter("value", "Value", "string", default="", show={"action": _HASH_OR_HMAC, "binaryData": (False,)},
              description="The value that should be hashed"),
    Parameter("value", "Value", "string", default="", required=True, show={"action": ("sign",)},
              description="The value that should be signed"),
    Parameter("dataPropertyName", "Property Name", "string", default="data", required=True,
              description="Name of the property to which to write the result (dot notation)"),
    Parameter("secret", "Secret", "string", default="", required=True, type_options={"password": True},
              show={"action": ("hmac",), "@version": V1}),
    Parameter("encoding", "Encoding", "options", default="hex", options=_ENCODINGS, required=True,
              show={"action": ("hash", "hmac", "sign")}),
    Parameter("algorithm", "Algorithm Name or ID", "options", default="RSA-SHA256", required=True,
              options=tuple(Option(name, name) for name in SIGN_ALGORITHMS), show={"action": ("sign",)}),
    Parameter("privateKey", "Private Key", "string", default="", required=True, placeholder="-----BEGIN PRIVATE KEY-----",
              type_options={"rows": 4, "password": True}, show={"action": ("sign",), "@version": V1},
              description="Private key to use when signing the string"),
    Parameter("encodingType", "Type", "options", default="uuid", show={"action": ("generate",)}, options=(
        Option("ASCII", "ascii"), Option("BASE64", "base64"), Option("HEX", "hex"), Option("UUID", "uuid")),
              description="Encoding that will be used to generate string"),
    Parameter("stringLength", "Length", "number", default=32, type_options={"min": 0},
              show={"action": ("generate",), "encodingType": ("ascii", "base64", "hex")},
              description="Length of the generated string"),
)


class CryptoNode(NodeType):
    description = NodeDescription(
        name="knotwork.crypto",
        display_name="Crypto",
        group="transform",
        description="Provide cryptographic utilities",
        versions=V1 + V2,
        default_version=2.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.crypto",),
        credentials=(CredentialSlot("crypto", required=True, show={"action": ("hmac", "sign"), "@version": V2}),),
        search_aliases=("hash", "hmac", "sign", "md5", "sha", "uuid", "random", "encrypt"),
        categories=("Core Nodes", "Data Transformation"),
        icon="fa:key",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        async def run_item(index: int, item: Item) -> list[Item]:
            value, consumed_binary = await _result(ctx, index, item)
            data = dict(item.json)  # set_path copies the nested containers it writes into
            set_path(data, str(ctx.param("dataPropertyName", index, "data")), value, {id(data)})
            # n8n drops the binary it hashed and keeps any other
            return [Item(data, None if consumed_binary else item.binary, paired=(index, 0))]

        return [await map_items(ctx, run_item)]


async def _result(ctx: ExecuteContext, index: int, item: Item) -> tuple[str, bool]:
    """The computed value and whether the item's binary data was its input."""
    action = ctx.param("action", index, "hash")
    if action == "generate":
        length = int(ctx.param("stringLength", index, 32) or 0)
        return generate(str(ctx.param("encodingType", index, "uuid")), length), False
    encoding = str(ctx.param("encoding", index, "hex"))
    if action == "sign":
        key = await _secret(ctx, index, "privateKey", "signPrivateKey")
        value = _text(ctx.param("value", index, ""))
        return sign_bytes(value, key, str(ctx.param("algorithm", index, "RSA-SHA256")), encoding), False
    if action not in _HASH_OR_HMAC:
        raise ValueError(f"The action '{action}' is not supported")
    use_binary = bool(ctx.param("binaryData", index, False))
    if use_binary:
        data = await read_binary(ctx, item, str(ctx.param("binaryPropertyName", index, "data")), index)
    else:
        data = _text(ctx.param("value", index, ""))
    algorithm = str(ctx.param("type", index, "MD5"))
    if action == "hash":
        return hash_bytes(data, algorithm, encoding), use_binary
    secret = await _secret(ctx, index, "secret", "hmacSecret")
    return hmac_bytes(data, secret, algorithm, encoding), use_binary


async def _secret(ctx: ExecuteContext, index: int, parameter: str, credential_field: str) -> str:
    """v1: the parameter; v2: the field of the node's `crypto` credential."""
    if ctx.type_version < 2:
        return str(ctx.param(parameter, index, "") or "")
    credential = await ctx.get_credentials("crypto")
    return str(credential.get(credential_field) or "")


def _text(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return ("" if value is None else str(value)).encode()
