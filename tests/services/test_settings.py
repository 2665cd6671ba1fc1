"""Settings: defaults, parsing of KNOTWORK_* variables, error messages, and that every setting is documented."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from services.settings import SETTINGS, Setting, Settings, SettingsError, describe_settings, load_settings


def test_defaults_when_environment_is_empty() -> None:
    settings = load_settings({})

    assert settings.host == '127.0.0.1'
    assert settings.port == 8080
    assert settings.data_dir == Path('data')
    assert settings.database_url == ''
    assert settings.redis_url == ''
    assert settings.encryption_key == ''
    assert settings.public_url == ''
    assert settings.timezone == 'UTC'
    assert settings.nodes_exclude == ()
    assert settings.code_timeout == 30.0
    assert settings.code_memory_mb == 512
    assert settings.code_workers == 1
    assert settings.expression_timeout == 5.0
    assert settings.executions_timeout == -1
    assert settings.storage_secret == ''


def test_values_are_parsed_to_their_types() -> None:
    environ = {
        'KNOTWORK_HOST': '0.0.0.0',
        'KNOTWORK_PORT': ' 9000 ',
        'KNOTWORK_DATA_DIR': '/srv/knotwork',
        'KNOTWORK_TIMEZONE': 'Europe/Berlin',
        'KNOTWORK_NODES_EXCLUDE': 'knotwork.code, knotwork.executeCommand,,',
        'KNOTWORK_CODE_TIMEOUT': '2.5',
        'KNOTWORK_EXECUTIONS_TIMEOUT': '600',
    }

    settings = load_settings(environ)

    assert settings.host == '0.0.0.0'
    assert settings.port == 9000
    assert settings.data_dir == Path('/srv/knotwork')
    assert settings.timezone == 'Europe/Berlin'
    assert settings.nodes_exclude == ('knotwork.code', 'knotwork.executeCommand')
    assert settings.code_timeout == 2.5
    assert settings.executions_timeout == 600


def test_an_empty_variable_takes_the_default() -> None:
    assert load_settings({'KNOTWORK_PORT': '', 'KNOTWORK_TIMEZONE': '  '}).port == 8080


@pytest.mark.parametrize(('name', 'value', 'reason'), [
    ('KNOTWORK_PORT', 'abc', 'expected a port number'),
    ('KNOTWORK_PORT', '70000', 'from 1 to 65535'),
    ('KNOTWORK_CODE_TIMEOUT', '0', 'greater than 0'),
    ('KNOTWORK_CODE_MEMORY_MB', '-5', 'at least 1'),
    ('KNOTWORK_EXECUTIONS_TIMEOUT', '0', '-1 (no limit)'),
    ('KNOTWORK_TIMEZONE', 'Mars/Olympus', 'IANA time zone'),
])
def test_invalid_value_names_the_variable(name: str, value: str, reason: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value})

    message = str(caught.value)
    assert message.startswith(f'{name}={value!r} is invalid')
    assert reason in message


def test_port_abc_message_is_readable() -> None:
    with pytest.raises(SettingsError, match=r"^KNOTWORK_PORT='abc' is invalid: expected a port number from 1 to 65535$"):
        load_settings({'KNOTWORK_PORT': 'abc'})


def test_secret_values_are_never_shown() -> None:
    # Given a secret setting whose parser rejects the value
    def reject(raw: str) -> str:
        raise ValueError('too short')
    secret = Setting('KNOTWORK_TEST_SECRET', '', 'A secret.', reject, secret=True)

    # When it is parsed, Then the error names the variable but not the value
    with pytest.raises(SettingsError) as caught:
        secret.parse('hunter2')
    assert str(caught.value) == 'KNOTWORK_TEST_SECRET is invalid: too short'

    # And the repr of loaded settings masks secrets
    shown = repr(load_settings({'KNOTWORK_ENCRYPTION_KEY': 'hunter2', 'KNOTWORK_STORAGE_SECRET': 's3cret'}))
    assert 'hunter2' not in shown and 's3cret' not in shown
    assert "encryption_key=***" in shown


def test_settings_are_read_only() -> None:
    settings = load_settings({})

    with pytest.raises(AttributeError):
        settings.port = 1
    with pytest.raises(AttributeError, match='no setting named'):
        _ = settings.prot


def test_unknown_knotwork_variable_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger='services.settings'):
        load_settings({'KNOTWORK_PROT': '9000'})

    assert 'KNOTWORK_PROT' in caplog.text
    assert 'did you mean KNOTWORK_PORT' in caplog.text


def test_required_settings_are_declared() -> None:
    names = {setting.name for setting in SETTINGS}
    assert {
        'KNOTWORK_HOST', 'KNOTWORK_PORT', 'KNOTWORK_DATA_DIR', 'KNOTWORK_DATABASE_URL', 'KNOTWORK_REDIS_URL',
        'KNOTWORK_ENCRYPTION_KEY', 'KNOTWORK_PUBLIC_URL', 'KNOTWORK_TIMEZONE', 'KNOTWORK_NODES_EXCLUDE',
        'KNOTWORK_CODE_TIMEOUT', 'KNOTWORK_CODE_MEMORY_MB', 'KNOTWORK_CODE_WORKERS',
        'KNOTWORK_EXPRESSION_TIMEOUT', 'KNOTWORK_EXECUTIONS_TIMEOUT', 'KNOTWORK_STORAGE_SECRET',
    } <= names


def test_every_setting_is_well_formed() -> None:
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names)), 'a setting is declared twice'
    for setting in SETTINGS:
        assert setting.name.startswith('KNOTWORK_'), setting.name
        assert setting.help.strip(), f'{setting.name} has no help text'
        setting.parse(None)  # the default itself must parse


def test_secrets_are_marked() -> None:
    secrets = {setting.name for setting in SETTINGS if setting.secret}
    assert secrets == {'KNOTWORK_ENCRYPTION_KEY', 'KNOTWORK_SMTP_PASSWORD', 'KNOTWORK_STORAGE_SECRET'}


def test_describe_settings_lists_every_setting_in_order() -> None:
    rows = describe_settings()

    assert [name for name, _, _ in rows] == [setting.name for setting in SETTINGS]
    assert ('KNOTWORK_PORT', '8080', 'TCP port the web server listens on.') in rows


def test_settings_needs_exactly_the_declared_attributes() -> None:
    with pytest.raises(TypeError, match='missing'):
        Settings({'port': 1})
