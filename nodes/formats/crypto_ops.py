"""The Crypto node's primitives: hashing, HMAC, signing with a PEM private key, random values.

Algorithm names are n8n's (Node's crypto names): "MD5", "SHA256", "SHA3-512", "RSA-SHA256"...
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import uuid

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from engine.errors import NodeOperationError

HASH_TYPES = ("MD5", "SHA256", "SHA3-256", "SHA3-384", "SHA3-512", "SHA384", "SHA512", "SHA1")
SIGN_ALGORITHMS = (
    "RSA-MD5", "RSA-SHA1", "RSA-SHA224", "RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "RSA-SHA3-256",
    "RSA-SHA3-384", "RSA-SHA3-512", "sha1", "sha224", "sha256", "sha384", "sha512", "ecdsa-with-SHA1",
)
_HASHLIB = {"MD5": "md5", "SHA1": "sha1", "SHA224": "sha224", "SHA256": "sha256", "SHA384": "sha384",
            "SHA512": "sha512", "SHA3-224": "sha3_224", "SHA3-256": "sha3_256", "SHA3-384": "sha3_384",
            "SHA3-512": "sha3_512"}
_SIGN_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"MD5": hashes.MD5, "SHA1": hashes.SHA1, "SHA224": hashes.SHA224, "SHA256": hashes.SHA256,
                "SHA384": hashes.SHA384, "SHA512": hashes.SHA512, "SHA3-224": hashes.SHA3_224,
                "SHA3-256": hashes.SHA3_256, "SHA3-384": hashes.SHA3_384, "SHA3-512": hashes.SHA3_512}
ALPHANUMERIC = string.ascii_letters + string.digits


def _hashlib_name(algorithm: str) -> str:
    name = _HASHLIB.get(str(algorithm).upper())
    if name is None:
        raise NodeOperationError(f"Unsupported hash algorithm '{algorithm}'",
                                 description=f"Use one of: {', '.join(HASH_TYPES)}")
    return name


def encode(digest: bytes, encoding: str) -> str:
    """A digest as Node's `digest(encoding)`: hex (default) or base64."""
    if encoding == "base64":
        return base64.b64encode(digest).decode()
    if encoding in ("hex", "", None):
        return digest.hex()
    raise NodeOperationError(f"Unsupported encoding '{encoding}'", description="Use 'hex' or 'base64'")


def hash_bytes(data: bytes, algorithm: str, encoding: str) -> str:
    return encode(hashlib.new(_hashlib_name(algorithm), data).digest(), encoding)


def hmac_bytes(data: bytes, secret: str, algorithm: str, encoding: str) -> str:
    digest = hmac.new(secret.encode(), data, _hashlib_name(algorithm)).digest()
    return encode(digest, encoding)


def sign_bytes(data: bytes, private_key_pem: str, algorithm: str, encoding: str) -> str:
    """Sign `data` as Node's `createSign(algorithm).sign(key)`: PKCS#1 v1.5 for RSA keys, DER
    ECDSA for EC keys, plain signature for Ed25519/Ed448 (the digest name is then ignored).

    Raises NodeOperationError for an unreadable key or an unknown algorithm."""
    key = _load_key(private_key_pem)
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return encode(key.sign(data), encoding)
    digest = _sign_hash(algorithm)
    try:
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(data, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            signature = key.sign(data, ec.ECDSA(digest))
        elif isinstance(key, dsa.DSAPrivateKey):
            signature = key.sign(data, digest)
        else:
            raise NodeOperationError(f"Keys of type {type(key).__name__} cannot sign")
    except (UnsupportedAlgorithm, ValueError) as error:
        raise NodeOperationError(f"Signing with '{algorithm}' failed: {error}") from None
    return encode(signature, encoding)


def _sign_hash(algorithm: str) -> hashes.HashAlgorithm:
    name = str(algorithm).upper()
    for prefix in ("RSA-", "ECDSA-WITH-", "DSA-WITH-", "DSA-"):
        name = name.removeprefix(prefix)
    name = {"SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-384": "SHA384", "SHA-512": "SHA512"}.get(name, name)
    factory = _SIGN_HASHES.get(name)
    if factory is None:
        raise NodeOperationError(f"Unsupported signing algorithm '{algorithm}'",
                                 description=f"Use one of: {', '.join(SIGN_ALGORITHMS)}")
    return factory()


def _load_key(pem: str) -> object:
    text = str(pem or "").strip()
    if not text:
        raise NodeOperationError("No private key given: the sign action needs a PEM private key")
    try:
        return serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise NodeOperationError("The private key could not be read",
                                 description=f"Give an unencrypted PEM private key ({error})") from None


def generate(encoding_type: str, length: int) -> str:
    """A random value: a UUID v4, or `length` characters of hex, base64 (word characters only,
    as n8n strips the rest) or ASCII letters and digits."""
    if encoding_type == "uuid":
        return str(uuid.uuid4())
    if length < 0:
        raise NodeOperationError(f"The length must not be negative, got {length}")
    if encoding_type == "hex":
        return secrets.token_bytes(length).hex()[:length]
    if encoding_type == "base64":
        text = base64.b64encode(secrets.token_bytes(length)).decode()
        return "".join(char for char in text if char.isalnum() or char == "_")[:length]
    if encoding_type == "ascii":
        return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))
    raise NodeOperationError(f"Unknown encoding type '{encoding_type}'",
                             description="Use 'uuid', 'hex', 'base64' or 'ascii'")
