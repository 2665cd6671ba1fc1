"""`knotwork config`: the effective configuration, secrets masked; `--markdown` prints docs/settings.md.

Both come from services.settings.SETTINGS, the one declaration of every setting, so the page, the
environment parsing and this listing cannot disagree (tests/cli/test_config.py checks the page).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from services.settings import SETTINGS, Setting, SettingsError, load_settings, settings_table

MASK = "***"
PAGE_INTRO = """# Settings

Every setting is an environment variable; an unset or empty variable takes the default. Each is
declared once, in `services/settings.py` (name, default, help, parser), and that declaration drives
the parsing of the environment, `knotwork config` and this page. A value a setting cannot parse stops
the process with a message naming the variable; a `KNOTWORK_*` variable that no setting declares is
logged as a warning.

`knotwork config` prints the effective configuration of the current environment, one `NAME=value`
line per setting, with secrets (the encryption key, passwords, the storage secret) and the passwords
inside database and Redis URLs shown as `***`.

This page is generated: `.venv/bin/knotwork config --markdown > docs/settings.md` (a test fails when
it is out of date or a setting has no help text).

"""


def register(commands: Any) -> None:
    parser = commands.add_parser("config", help="print the effective configuration (secrets masked)")
    parser.add_argument("--markdown", action="store_true", help="print the settings reference page instead")
    parser.set_defaults(handler=run_config)


def run_config(args: argparse.Namespace) -> int:
    if args.markdown:
        sys.stdout.write(settings_page())
        return 0
    try:
        load_settings()  # refuse an environment the processes would refuse
    except SettingsError as error:
        print(f"knotwork: {error}", file=sys.stderr)
        return 2
    for line in effective_lines(os.environ):
        print(line)
    return 0


def settings_page() -> str:
    return PAGE_INTRO + settings_table() + "\n"


def effective_lines(environ: Mapping[str, str]) -> list[str]:
    """`NAME=value` for every setting, in declaration order, as the processes would read it."""
    return [f"{setting.name}={shown_value(setting, (environ.get(setting.name) or '').strip() or setting.default)}"
            for setting in SETTINGS]


def shown_value(setting: Setting, value: str) -> str:
    """The value with secrets masked: a secret setting entirely, a URL's password in any setting."""
    if setting.secret:
        return MASK if value else ""
    return _mask_url_password(value)


def _mask_url_password(value: str) -> str:
    if "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    if not password:
        return value
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))
