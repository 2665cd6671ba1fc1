"""The credential vault: AES-256-GCM for storage, n8n/OpenSSL-compatible AES-256-CBC ("Salted__",
MD5 EVP_BytesToKey) for n8n's exports, and the key."""

from __future__ import annotations

import base64
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from services import vault
from services.settings import load_settings
from services.vault import VaultError, decrypt, decrypt_n8n, encrypt, encrypt_n8n, load_encryption_key

KEY = 'knotwork-test-key'
DATA = {'user': 'alice', 'password': 's3crét'}
PLAINTEXT = '{"user":"alice","password":"s3crét"}'.encode()
# Made once with: printf '%s' "$PLAINTEXT" | openssl enc -aes-256-cbc -md md5 -a -salt -pass pass:$KEY
OPENSSL_VECTOR = ('U2FsdGVkX1/nt7SgMcyG/4n/3P+NwXEkzxF6pEDjTj3lkzEhMQweOEnrLcUFg0S3\n'
                  '2Hv0sHSXKgU570bQAcFOQg==\n')

OPENSSL = shutil.which('openssl')
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason='the openssl binary is not installed')


def openssl_enc(data: bytes, key: str, *, decrypt: bool = False) -> bytes:
    assert OPENSSL is not None
    args = [OPENSSL, 'enc', '-aes-256-cbc', '-md', 'md5', '-a', '-pass', f'pass:{key}']
    args += ['-d', '-A'] if decrypt else ['-salt']
    result = subprocess.run(args, input=data, capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr.decode(errors='replace')
    return result.stdout


def test_round_trip() -> None:
    data = {'token': 'abc', 'nested': {'n': 1, 'list': [True, None, 2.5]}, 'unicode': 'ünï €'}

    text = encrypt_n8n(data, KEY)

    assert decrypt_n8n(text, KEY) == data
    assert 'abc' not in text
    assert base64.b64decode(text).startswith(b'Salted__')


def test_each_encryption_uses_a_fresh_salt() -> None:
    assert encrypt_n8n(DATA, KEY) != encrypt_n8n(DATA, KEY)


def test_decrypts_a_stored_openssl_vector() -> None:
    assert decrypt_n8n(OPENSSL_VECTOR, KEY) == DATA


def test_same_salt_gives_byte_identical_output_to_openssl() -> None:
    raw = base64.b64decode(OPENSSL_VECTOR)
    salt = raw[8:16]

    assert vault._encrypt_bytes(PLAINTEXT, KEY, salt) == ''.join(OPENSSL_VECTOR.split())


@needs_openssl
def test_openssl_decrypts_our_output() -> None:
    text = encrypt_n8n(DATA, KEY)

    assert openssl_enc(text.encode(), KEY, decrypt=True) == PLAINTEXT


@needs_openssl
def test_we_decrypt_openssl_output() -> None:
    text = openssl_enc(PLAINTEXT, KEY).decode()

    assert text.startswith('U2FsdGVkX1')  # base64 of "Salted__"
    assert decrypt_n8n(text, KEY) == DATA


@pytest.mark.parametrize('wrong_key', ['knotwork-test-kez', 'other', 'a' * 64])
def test_wrong_key_raises_a_clear_vault_error(wrong_key: str) -> None:
    text = encrypt_n8n(DATA, KEY)

    with pytest.raises(VaultError, match='wrong encryption key or corrupt data') as caught:
        decrypt_n8n(text, wrong_key)

    # No chained padding or JSON error in the traceback.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_wrong_key_on_openssl_vector() -> None:
    with pytest.raises(VaultError, match='wrong encryption key'):
        decrypt_n8n(OPENSSL_VECTOR, 'not-the-key')


@pytest.mark.parametrize(('text', 'reason'), [
    ('not base64 !!!', 'not base64'),
    (base64.b64encode(b'Plain___12345678' + b'x' * 16).decode(), 'Salted__'),
    (base64.b64encode(b'Salted__1234').decode(), 'truncated or corrupt'),
    (base64.b64encode(b'Salted__12345678' + b'x' * 15).decode(), 'truncated or corrupt'),
])
def test_corrupt_data_raises_vault_error(text: str, reason: str) -> None:
    with pytest.raises(VaultError, match=reason):
        decrypt_n8n(text, KEY)


def test_tampered_ciphertext_raises_vault_error() -> None:
    raw = bytearray(base64.b64decode(encrypt_n8n(DATA, KEY)))
    raw[-1] ^= 0xFF  # breaks the padding of the last block

    with pytest.raises(VaultError, match='wrong encryption key or corrupt data'):
        decrypt_n8n(base64.b64encode(bytes(raw)).decode(), KEY)


def test_empty_key_is_refused() -> None:
    with pytest.raises(VaultError, match='empty'):
        encrypt_n8n(DATA, '')
    with pytest.raises(VaultError, match='empty'):
        decrypt_n8n(encrypt_n8n(DATA, KEY), '')


def test_key_file_is_created_once_with_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / 'data'
    settings = load_settings({'KNOTWORK_DATA_DIR': str(data_dir)})

    first = load_encryption_key(settings)
    key_file = data_dir / 'encryption.key'

    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 43  # token_urlsafe(32)
    assert key_file.read_text().strip() == first

    before = key_file.stat().st_mtime_ns
    second = load_encryption_key(load_settings({'KNOTWORK_DATA_DIR': str(data_dir)}))

    assert second == first
    assert key_file.stat().st_mtime_ns == before
    assert decrypt_n8n(encrypt_n8n(DATA, first), second) == DATA


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / 'encryption.key').write_text('file-key\n')
    settings = load_settings({'KNOTWORK_DATA_DIR': str(tmp_path), 'KNOTWORK_ENCRYPTION_KEY': 'env-key'})

    assert load_encryption_key(settings) == 'env-key'
    assert load_encryption_key(load_settings({'KNOTWORK_DATA_DIR': str(tmp_path)})) == 'file-key'


def test_environment_key_creates_no_file(tmp_path: Path) -> None:
    settings = load_settings({'KNOTWORK_DATA_DIR': str(tmp_path), 'KNOTWORK_ENCRYPTION_KEY': 'env-key'})

    assert load_encryption_key(settings) == 'env-key'
    assert not (tmp_path / 'encryption.key').exists()


def test_empty_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / 'encryption.key').write_text('')

    with pytest.raises(VaultError, match='is empty'):
        load_encryption_key(load_settings({'KNOTWORK_DATA_DIR': str(tmp_path)}))


# ---- storage format: AES-256-GCM --------------------------------------------------------------
def test_storage_round_trip_and_fresh_nonces() -> None:
    first, second = encrypt(DATA, KEY), encrypt(DATA, KEY)
    assert first.startswith('kw1:') and first != second
    assert decrypt(first, KEY) == DATA == decrypt(second, KEY)
    assert 'alice' not in first


def test_storage_detects_a_wrong_key_and_any_change() -> None:
    sealed = encrypt(DATA, KEY)
    with pytest.raises(VaultError, match='wrong encryption key or altered data') as caught:
        decrypt(sealed, 'another-key')
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    raw = bytearray(base64.b64decode(sealed[4:]))
    raw[-1] ^= 1
    with pytest.raises(VaultError, match='altered data'):
        decrypt('kw1:' + base64.b64encode(bytes(raw)).decode(), KEY)
    with pytest.raises(VaultError, match="not in Knotwork's format"):
        decrypt(encrypt_n8n(DATA, KEY), KEY)


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    import threading

    settings = load_settings({'KNOTWORK_DATA_DIR': str(tmp_path)})
    start = threading.Barrier(8)
    keys: list[str] = []

    def starting() -> None:
        start.wait()
        keys.append(load_encryption_key(settings))

    threads = [threading.Thread(target=starting) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(keys) == 8 and len(set(keys)) == 1 and keys[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['encryption.key']
