"""Encryption of credential data, and the encryption key.

Knotwork stores credentials with AES-256-GCM (`encrypt`/`decrypt`): authenticated, so a wrong key
or altered data is always detected. Text: "kw1:" + base64(12-byte nonce + ciphertext + tag); the
AES key is SHA-256 of the configured key text.

n8n's format is read and written too (`encrypt_n8n`/`decrypt_n8n`), for credentials exported from
or to n8n (n8n-reference.md section e, the same as `openssl enc -aes-256-cbc -md md5 -a -salt`):
base64("Salted__" + 8-byte random salt + AES-256-CBC ciphertext of the JSON object, PKCS7-padded).
Key and IV come from OpenSSL's EVP_BytesToKey with MD5 and one iteration over (key + salt):
h1 = MD5(key + salt), h2 = MD5(h1 + key + salt), h3 = MD5(h2 + key + salt); AES key = h1 + h2, IV = h3.
The AES itself is the `cryptography` library's.

The key is KNOTWORK_ENCRYPTION_KEY or, when that is empty, the file `<data dir>/encryption.key`,
generated once (0600) and read on later starts. Workers must use the same key as the web process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b'Salted__'
SALT_SIZE = 8
KEY_FILE = 'encryption.key'
_BLOCK = 16  # AES block size in bytes
_KEY_SIZE = 32  # AES-256


class VaultError(Exception):
    """Credential data cannot be encrypted or decrypted, or the encryption key cannot be loaded."""


class KeySettings(Protocol):
    """What load_encryption_key() reads from services.settings.Settings."""

    @property
    def encryption_key(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...


def encrypt_n8n(data: dict[str, Any], key: str) -> str:
    """Encrypt the JSON of `data` with `key`; returns base64 text that n8n and openssl can decrypt."""
    if not isinstance(data, dict):
        raise VaultError(f'credential data must be a JSON object, not {type(data).__name__}')
    plaintext = json.dumps(data, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    return _encrypt_bytes(plaintext, key, secrets.token_bytes(SALT_SIZE))


def decrypt_n8n(text: str, key: str) -> dict[str, Any]:
    """Decrypt what encrypt_n8n() (or n8n, or openssl) produced; raises VaultError on a wrong key or bad data."""
    _check_key(key)
    try:
        raw = base64.b64decode(''.join(text.split()), validate=True)
    except (binascii.Error, ValueError, AttributeError, TypeError):
        raise VaultError('cannot decrypt credential data: it is not base64 text') from None
    if not raw.startswith(MAGIC):
        raise VaultError('cannot decrypt credential data: it does not start with the "Salted__" header') from None
    salt, ciphertext = raw[len(MAGIC):len(MAGIC) + SALT_SIZE], raw[len(MAGIC) + SALT_SIZE:]
    if len(salt) != SALT_SIZE or not ciphertext or len(ciphertext) % _BLOCK:
        raise VaultError('cannot decrypt credential data: it is truncated or corrupt')
    aes_key, iv = _derive(key.encode('utf-8'), salt)
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    wrong = VaultError('cannot decrypt credential data: wrong encryption key or corrupt data')
    try:
        unpadder = padding.PKCS7(_BLOCK * 8).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        value = json.loads(plaintext.decode('utf-8'))
    except ValueError:  # bad padding, UnicodeDecodeError and JSONDecodeError are all ValueErrors
        raise wrong from None
    if not isinstance(value, dict):
        raise wrong
    return value


GCM_PREFIX = 'kw1:'
_NONCE_SIZE = 12


def encrypt(data: dict[str, Any], key: str) -> str:
    """Encrypt the JSON of `data` for storage (AES-256-GCM with a fresh nonce)."""
    if not isinstance(data, dict):
        raise VaultError(f'credential data must be a JSON object, not {type(data).__name__}')
    _check_key(key)
    nonce = secrets.token_bytes(_NONCE_SIZE)
    plaintext = json.dumps(data, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    sealed = AESGCM(_gcm_key(key)).encrypt(nonce, plaintext, None)
    return GCM_PREFIX + base64.b64encode(nonce + sealed).decode('ascii')


def decrypt(text: str, key: str) -> dict[str, Any]:
    """Decrypt what encrypt() produced; raises VaultError on a wrong key or altered data."""
    _check_key(key)
    if not isinstance(text, str) or not text.startswith(GCM_PREFIX):
        raise VaultError('cannot decrypt credential data: it is not in Knotwork\'s format')
    try:
        raw = base64.b64decode(text[len(GCM_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise VaultError('cannot decrypt credential data: it is not base64 text') from None
    if len(raw) <= _NONCE_SIZE + 16:
        raise VaultError('cannot decrypt credential data: it is truncated or corrupt')
    try:
        plaintext = AESGCM(_gcm_key(key)).decrypt(raw[:_NONCE_SIZE], raw[_NONCE_SIZE:], None)
    except InvalidTag:
        raise VaultError('cannot decrypt credential data: wrong encryption key or altered data') from None
    value = json.loads(plaintext.decode('utf-8'))
    if not isinstance(value, dict):
        raise VaultError('cannot decrypt credential data: it does not hold a JSON object')
    return value


def _gcm_key(key: str) -> bytes:
    return hashlib.sha256(key.encode('utf-8')).digest()


def load_encryption_key(settings: KeySettings) -> str:
    """KNOTWORK_ENCRYPTION_KEY if set, else the key file in the data folder (generated on first use)."""
    if settings.encryption_key:
        return settings.encryption_key
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        # Written under a private name, then linked into place: a process starting at the same
        # moment sees either no key file or a complete one, never an empty one.
        draft = path.with_name(f'.{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}')
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, 'w', encoding='utf-8') as file:
                file.write(key + '\n')
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(draft, path)
                return key
            except FileExistsError:
                pass  # another process created it first: use theirs
        finally:
            draft.unlink(missing_ok=True)
    try:
        key = path.read_text(encoding='utf-8').strip()
    except (OSError, UnicodeDecodeError) as error:
        raise VaultError(f'cannot read the encryption key file {path}: {error}') from None
    if not key:
        raise VaultError(f'the encryption key file {path} is empty; restore it or set KNOTWORK_ENCRYPTION_KEY')
    return key


def _encrypt_bytes(plaintext: bytes, key: str, salt: bytes) -> str:
    _check_key(key)
    aes_key, iv = _derive(key.encode('utf-8'), salt)
    padder = padding.PKCS7(_BLOCK * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(MAGIC + salt + ciphertext).decode('ascii')


def _derive(password: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """OpenSSL EVP_BytesToKey with MD5, one iteration: 32-byte AES key and 16-byte IV."""
    derived = b''
    block = b''
    while len(derived) < _KEY_SIZE + _BLOCK:
        block = hashlib.md5(block + password + salt, usedforsecurity=False).digest()
        derived += block
    return derived[:_KEY_SIZE], derived[_KEY_SIZE:_KEY_SIZE + _BLOCK]


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise VaultError('the encryption key is empty')
