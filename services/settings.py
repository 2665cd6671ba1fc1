"""Knotwork settings: each one declared once, as data, and read from a KNOTWORK_* environment variable.

SETTINGS is the single source. load_settings() parses the environment with it, describe_settings()
and settings_table() feed the README (tests/services/test_settings_docs.py keeps the two in step).

Rules shared by every setting:
- an unset or empty variable takes the setting's default; surrounding whitespace is ignored;
- a value the setting cannot parse raises SettingsError naming the variable (never echoing a secret);
- a KNOTWORK_* variable that no setting declares is logged as a warning, not an error.

Regenerate the README table with `.venv/bin/python -m services.settings`.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = 'KNOTWORK_'

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A KNOTWORK_* variable holds a value its setting cannot parse; the message names the variable."""


# Parsers turn the raw (stripped, non-empty) string into the typed value, raising ValueError with a
# short reason such as "expected a whole number"; load_settings adds the variable name.


def whole_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError('expected a whole number') from None


def positive_whole_number(raw: str) -> int:
    value = whole_number(raw)
    if value < 1:
        raise ValueError('expected a whole number of at least 1')
    return value


def non_negative_whole_number(raw: str) -> int:
    value = whole_number(raw)
    if value < 0:
        raise ValueError('expected a whole number of at least 0')
    return value


def port_number(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise ValueError('expected a port number from 1 to 65535')
    return int(raw)


def positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError('expected a number of seconds') from None
    if not value > 0:  # also rejects nan
        raise ValueError('expected a number of seconds greater than 0')
    return value


def seconds_or_unlimited(raw: str) -> int:
    value = whole_number(raw)
    if value != -1 and value < 1:
        raise ValueError('expected -1 (no limit) or a whole number of seconds of at least 1')
    return value


def save_choice(raw: str) -> str:
    if raw not in ('all', 'none'):
        raise ValueError('expected all or none')
    return raw


def log_format(raw: str) -> str:
    if raw not in ('text', 'json'):
        raise ValueError('expected text or json')
    return raw


def log_level(raw: str) -> str:
    if raw.lower() not in ('debug', 'info', 'warning', 'error'):
        raise ValueError('expected debug, info, warning or error')
    return raw.lower()


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ('true', '1', 'yes', 'on'):
        return True
    if lowered in ('false', '0', 'no', 'off'):
        return False
    raise ValueError('expected true or false')


def comma_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(',') if part.strip())


def optional_path(raw: str) -> Path | None:
    """A folder path, or None for an empty value (the caller then derives a default)."""
    return Path(raw) if raw else None


def timezone_name(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('expected an IANA time zone name such as UTC or Europe/Berlin') from None
    return raw


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default (as written in the environment) and parser."""

    name: str
    default: str
    help: str
    type: Callable[[str], Any] = str
    secret: bool = False

    @property
    def attribute(self) -> str:
        """The Settings attribute: the name without the prefix, in snake_case (KNOTWORK_DATA_DIR -> data_dir)."""
        return self.name.removeprefix(PREFIX).lower()

    def parse(self, raw: str | None) -> Any:
        """Return the typed value of `raw`, or of the default when `raw` is unset or blank.

        Raises SettingsError naming the variable; the message never contains a secret value.
        """
        text = (raw or '').strip() or self.default
        try:
            return self.type(text)
        except ValueError as error:
            shown = '' if self.secret else f'={text!r}'
            raise SettingsError(f'{self.name}{shown} is invalid: {error}') from None


SETTINGS: tuple[Setting, ...] = (
    Setting('KNOTWORK_HOST', '127.0.0.1', 'Interface the web server listens on; 0.0.0.0 for all interfaces.'),
    Setting('KNOTWORK_PORT', '8080', 'TCP port the web server listens on.', port_number),
    Setting('KNOTWORK_DATA_DIR', './data',
            'Folder for the SQLite database, key files, binary data and UI storage.', Path),
    Setting('KNOTWORK_DATABASE_URL', '',
            'SQLAlchemy URL of the database, e.g. postgresql+psycopg://user:pass@host/db. '
            'Empty: a SQLite file in the data folder.'),
    Setting('KNOTWORK_REDIS_URL', '',
            'Redis URL that switches on queue mode (executions run in worker.py processes). '
            'Empty: embedded mode, everything in the web process.'),
    Setting('KNOTWORK_ENCRYPTION_KEY', '',
            'Key that encrypts stored credentials. Empty: a key file generated once in the data folder.',
            secret=True),
    Setting('KNOTWORK_PUBLIC_URL', '',
            'Base URL users and webhook callers reach Knotwork at. Empty: http://HOST:PORT.'),
    Setting('KNOTWORK_PAYLOAD_MAX_MB', '16',
            'Largest request body a webhook accepts, in MiB; a bigger one is refused with HTTP 413.',
            positive_whole_number),
    Setting('KNOTWORK_TIMEZONE', 'UTC',
            'Default time zone of workflows (schedules, $now, $today); an IANA name.', timezone_name),
    Setting('KNOTWORK_NODES_EXCLUDE', '',
            'Comma-separated node type names to hide, e.g. knotwork.code,knotwork.executeCommand.',
            comma_list),
    Setting('KNOTWORK_ENABLE_EXECUTE_COMMAND', 'false',
            'Let the Execute Command node run shell commands on the server (off: the node fails with '
            'an error naming this setting).', boolean),
    Setting('KNOTWORK_FILES_DIR', '',
            'The only folder the file nodes (Read/Write Files from Disk, Read/Write Binary File) may '
            'read or write, symlinks and .. resolved. Empty: the files folder inside the data folder.',
            optional_path),
    Setting('KNOTWORK_MAX_DECOMPRESSED_MB', '512',
            'Largest total size, in MiB, the Compression node unpacks from one archive (zip bomb guard).',
            positive_whole_number),
    Setting('KNOTWORK_MAX_DECOMPRESSED_ENTRIES', '10000',
            'Most files the Compression node unpacks from one archive (zip bomb guard).',
            positive_whole_number),
    Setting('KNOTWORK_CODE_TIMEOUT', '30', 'Wall-clock limit of one Code node run, in seconds.',
            positive_seconds),
    Setting('KNOTWORK_CODE_MEMORY_MB', '512', 'Memory limit of the Code node sandbox, in MiB.',
            positive_whole_number),
    Setting('KNOTWORK_CODE_WORKERS', '1', 'Number of sandbox processes pre-started for the Code node.',
            positive_whole_number),
    Setting('KNOTWORK_EXPRESSION_TIMEOUT', '5', 'Time limit of one {{ }} expression evaluation, in seconds.',
            positive_seconds),
    Setting('KNOTWORK_EXECUTIONS_TIMEOUT', '-1',
            'Default maximum run time of one execution, in seconds; -1 for no limit.', seconds_or_unlimited),
    Setting('KNOTWORK_EXECUTIONS_SAVE_ON_SUCCESS', 'all',
            "Keep the run data of successful executions: all or none (a workflow's "
            'saveDataSuccessExecution setting overrides it). The execution row is always kept.', save_choice),
    Setting('KNOTWORK_EXECUTIONS_SAVE_ON_ERROR', 'all',
            "Keep the run data of failed executions: all or none (a workflow's saveDataErrorExecution "
            'setting overrides it).', save_choice),
    Setting('KNOTWORK_EXECUTIONS_SAVE_MANUAL', 'true',
            "Keep the run data of executions started in the editor (a workflow's saveManualExecutions "
            'setting overrides it).', boolean),
    Setting('KNOTWORK_EXECUTIONS_SAVE_PROGRESS', 'false',
            "Save an execution's run data after every node, so a crash loses nothing already done (a "
            "workflow's saveExecutionProgress setting overrides it). Costs a write per node.", boolean),
    Setting('KNOTWORK_WORKER_CONCURRENCY', '4',
            'Executions one process runs at the same time (threads of the embedded worker or of '
            'each worker.py process).', positive_whole_number),
    Setting('KNOTWORK_WEBHOOK_RUNS_IN_LOOP', '32',
            'Embedded mode: a webhook call runs its workflow in the web server\'s event loop, as n8n\'s '
            'regular mode does (no thread hand-offs: about twice the calls per second), while fewer than '
            'this many such runs are going; beyond that, and with 0, runs go to the worker threads, '
            'where a CPU-heavy workflow cannot slow the editor down.', non_negative_whole_number),
    Setting('KNOTWORK_WEBHOOK_PORT', '5679',
            'TCP port of the webhook-only process (`knotwork webhook`), which answers /webhook* and '
            '/healthz and nothing else.', port_number),
    Setting('KNOTWORK_WEBHOOK_PROCESSES', '2',
            'Processes `knotwork webhook` starts (uvicorn workers sharing the port); each takes calls '
            'and enqueues executions to Redis.', positive_whole_number),
    Setting('KNOTWORK_REQUEUE_AFTER_SECONDS', '120',
            'Queue mode: worker.py processes enqueue again an execution still new this many seconds '
            'after it was created (its message was lost with a web process or a killed worker); a '
            'second delivery never runs an execution twice.', positive_seconds),
    Setting('KNOTWORK_EXECUTIONS_MAX_AGE_HOURS', '336',
            'Finished executions that stopped longer ago than this many hours are pruned (deleted with '
            'their data); new, running and waiting ones are kept.', positive_whole_number),
    Setting('KNOTWORK_EXECUTIONS_MAX_COUNT', '10000',
            'Finished executions older than the newest this many are pruned (deleted with their data).',
            positive_whole_number),
    Setting('KNOTWORK_METRICS', 'false',
            'Serve Prometheus metrics at /metrics on the web and webhook processes. Counters are '
            'cluster-wide (workers add theirs through Redis), so scrape one process, not every replica.',
            boolean),
    Setting('KNOTWORK_LOG_FORMAT', 'text',
            'Log lines as text, or as json: one object per line with time, level, logger, message and, '
            'inside a run, executionId and workflowId.', log_format),
    Setting('KNOTWORK_LOG_LEVEL', 'info', 'Least severe log level written: debug, info, warning or error.',
            log_level),
    Setting('KNOTWORK_SESSION_HOURS', '168',
            'A browser sign-in lasts this many hours; signing out ends it at once.', positive_whole_number),
    Setting('KNOTWORK_SIGNIN_MAX_FAILURES', '5',
            'Failed sign-ins for one account within 15 minutes before further attempts get HTTP 429 '
            '(one address may fail four times as often, for shared offices).', positive_whole_number),
    Setting('KNOTWORK_INVITATION_HOURS', '168', 'An invitation link works for this many hours.',
            positive_whole_number),
    Setting('KNOTWORK_SMTP_HOST', '',
            'SMTP server for invitation emails; empty: invitations are links to pass on by hand.'),
    Setting('KNOTWORK_SMTP_PORT', '587', 'SMTP server port (465 means TLS from the start).', port_number),
    Setting('KNOTWORK_SMTP_USER', '', 'SMTP user name; empty: no SMTP authentication.'),
    Setting('KNOTWORK_SMTP_PASSWORD', '', 'SMTP password.', secret=True),
    Setting('KNOTWORK_SMTP_SENDER', 'knotwork@localhost', 'From address of emails Knotwork sends.'),
    Setting('KNOTWORK_SMTP_STARTTLS', 'true',
            'Upgrade the SMTP connection with STARTTLS (ports other than 465).', boolean),
    Setting('KNOTWORK_NOTIFY_ON_FAILURE', '',
            'Where to report failed executions of every workflow (not manual runs), comma-separated '
            'kind:address targets: email:ops@example.com, slack:URL, mattermost:URL, discord:URL, '
            'teams:URL (incoming webhooks) or webhook:URL (JSON POST). A workflow adds its own in '
            'settings.failureNotifications.', comma_list),
    Setting('KNOTWORK_NOTIFY_INTERVAL_MINUTES', '15',
            'At most one failure notification per workflow in this many minutes; the next one says how '
            'many failures were not reported.', positive_whole_number),
    Setting('KNOTWORK_STORAGE_SECRET', '',
            'Secret that signs NiceGUI session cookies. Empty: no per-user browser storage.', secret=True),
)

_BY_ATTRIBUTE = {setting.attribute: setting for setting in SETTINGS}


class Settings:
    """Parsed settings as read-only attributes named after the settings (KNOTWORK_PORT -> .port).

    repr() masks secret values, so a Settings object is safe to log.
    """

    __slots__ = ('_values',)

    def __init__(self, values: Mapping[str, Any]) -> None:
        unknown = set(values) - set(_BY_ATTRIBUTE)
        missing = set(_BY_ATTRIBUTE) - set(values)
        if unknown or missing:
            raise TypeError(f'Settings needs exactly the declared attributes; unknown {sorted(unknown)}, '
                            f'missing {sorted(missing)}')
        object.__setattr__(self, '_values', dict(values))

    def __getattr__(self, attribute: str) -> Any:
        try:
            return self._values[attribute]
        except KeyError:
            raise AttributeError(f'no setting named {attribute!r}') from None

    def __setattr__(self, attribute: str, value: object) -> None:
        raise AttributeError('Settings are read-only')

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted((key, repr(value)) for key, value in self._values.items())))

    def __repr__(self) -> str:
        shown = (f'{key}={"***" if _BY_ATTRIBUTE[key].secret and value else repr(value)}'
                 for key, value in self._values.items())
        return f'Settings({", ".join(shown)})'

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._values))


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Build Settings from `environ`; raises SettingsError for the first value that does not parse."""
    _warn_about_unknown(environ)
    return Settings({setting.attribute: setting.parse(environ.get(setting.name)) for setting in SETTINGS})


def describe_settings() -> list[tuple[str, str, str]]:
    """Rows of (variable name, default as written in the environment, help) in declaration order."""
    return [(setting.name, setting.default, setting.help) for setting in SETTINGS]


def settings_table() -> str:
    """The Markdown table of all settings that the README's Settings section holds."""
    lines = ['| Variable | Default | Meaning |', '|---|---|---|']
    for name, default, help_text in describe_settings():
        shown = f'`{default}`' if default else '*(empty)*'
        escaped = help_text.replace('|', r'\|')
        lines.append(f'| `{name}` | {shown} | {escaped} |')
    return '\n'.join(lines)


def _warn_about_unknown(environ: Mapping[str, str]) -> None:
    declared = [setting.name for setting in SETTINGS]
    for name in sorted(key for key in environ if key.startswith(PREFIX) and key not in declared):
        close = difflib.get_close_matches(name, declared, n=1)
        hint = f'; did you mean {close[0]}?' if close else ''
        log.warning('ignoring %s: Knotwork has no such setting%s', name, hint)


if __name__ == '__main__':
    print(settings_table())
