"""Crypto v1 and v2: hash, HMAC, sign and generate, text or binary input, errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.formats.crypto import CryptoNode
from nodes.formats.crypto_ops import HASH_TYPES

from .helpers import jsons, run_node

NODE = CryptoNode()
BINARY = {"file": {"data": base64.b64encode(b"test").decode(), "mimeType": "text/plain"}}
HASHLIB = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512",
           "SHA3-256": "sha3_256", "SHA3-384": "sha3_384", "SHA3-512": "sha3_512"}


def pem(key: object) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,  # type: ignore[attr-defined]
                             serialization.NoEncryption()).decode()


@pytest.mark.parametrize("algorithm", HASH_TYPES)
async def test_hash_every_algorithm_in_hex_and_base64(algorithm: str) -> None:
    digest = hashlib.new(HASHLIB[algorithm], b"test").digest()
    out = await run_node(NODE, 1.0, {"action": "hash", "type": algorithm, "value": "test"}, [Item({"a": 1})])
    assert jsons(out) == [{"a": 1, "data": digest.hex()}]
    out = await run_node(NODE, 2.0, {"type": algorithm, "value": "test", "encoding": "base64", "dataPropertyName": "x.y"})
    assert jsons(out) == [{"x": {"y": base64.b64encode(digest).decode()}}]


async def test_hash_binary_input_drops_the_hashed_binary() -> None:
    out = await run_node(NODE, 1.0, {"binaryData": True, "binaryPropertyName": "file"}, [Item({}, BINARY)])
    assert jsons(out) == [{"data": hashlib.md5(b"test").hexdigest()}]
    assert out[0].binary is None and out[0].paired == (0, 0)


async def test_hash_missing_binary_names_the_property() -> None:
    with pytest.raises(NodeOperationError, match="binary"):
        await run_node(NODE, 1.0, {"binaryData": True, "binaryPropertyName": "nope"}, [Item({})])


async def test_hmac_v1_secret_parameter_and_v2_credential() -> None:
    expected = hmac.new(b"s3cret", b"test", "sha256").hexdigest()
    out = await run_node(NODE, 1.0, {"action": "hmac", "type": "SHA256", "value": "test", "secret": "s3cret"})
    assert jsons(out) == [{"data": expected}]
    out = await run_node(NODE, 2.0, {"action": "hmac", "type": "SHA256", "value": "test"},
                         credentials={"crypto": {"hmacSecret": "s3cret"}})
    assert jsons(out) == [{"data": expected}]
    with pytest.raises(NodeOperationError, match="crypto"):
        await run_node(NODE, 2.0, {"action": "hmac", "type": "SHA256", "value": "test"})


async def test_sign_with_rsa_ec_and_ed25519_keys_verifies() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    out = await run_node(NODE, 1.0, {"action": "sign", "value": "test", "algorithm": "RSA-SHA256",
                                     "encoding": "base64", "privateKey": pem(rsa_key)})
    rsa_key.public_key().verify(base64.b64decode(out[0].json["data"]), b"test", padding.PKCS1v15(), hashes.SHA256())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    out = await run_node(NODE, 2.0, {"action": "sign", "value": "test", "algorithm": "sha256"},
                         credentials={"crypto": {"signPrivateKey": pem(ec_key)}})
    ec_key.public_key().verify(bytes.fromhex(out[0].json["data"]), b"test", ec.ECDSA(hashes.SHA256()))
    ed_key = ed25519.Ed25519PrivateKey.generate()
    out = await run_node(NODE, 1.0, {"action": "sign", "value": "test", "privateKey": pem(ed_key)})
    ed_key.public_key().verify(bytes.fromhex(out[0].json["data"]), b"test")


async def test_sign_errors_are_clear_and_continue_on_fail() -> None:
    with pytest.raises(NodeOperationError, match="private key could not be read"):
        await run_node(NODE, 1.0, {"action": "sign", "value": "x", "privateKey": "not a key"})
    key = pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    out = await run_node(NODE, 1.0, {"action": "sign", "value": "x", "algorithm": "WHIRLPOOL", "privateKey": key},
                         on_error="continueRegularOutput")
    assert "Unsupported signing algorithm 'WHIRLPOOL'" in out[0].json["error"]


@pytest.mark.parametrize(("encoding", "pattern"), [
    ("uuid", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
    ("hex", r"[0-9a-f]{12}"), ("base64", r"\w{12}"), ("ascii", r"[A-Za-z0-9]{12}"),
])
async def test_generate(encoding: str, pattern: str) -> None:
    out = await run_node(NODE, 1.0, {"action": "generate", "encodingType": encoding, "stringLength": 12,
                                     "dataPropertyName": "token"})
    assert re.fullmatch(pattern, out[0].json["token"])
