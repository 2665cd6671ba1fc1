"""The README documents every setting: its Settings section holds the table that settings_table() renders."""

from __future__ import annotations

from pathlib import Path

from services.settings import describe_settings, settings_table

README = Path(__file__).resolve().parents[2] / 'README.md'
REGENERATE = 'regenerate it with `.venv/bin/python -m services.settings` and paste it under "## Settings"'


def settings_section() -> str:
    text = README.read_text(encoding='utf-8')
    assert '\n## Settings\n' in text, 'README.md has no "## Settings" section'
    return text.split('\n## Settings\n', 1)[1].split('\n## ', 1)[0]


def test_every_setting_is_in_the_readme() -> None:
    section = settings_section()

    missing = [name for name, _, _ in describe_settings() if f'`{name}`' not in section]

    assert not missing, f'README.md does not document {missing}; {REGENERATE}'


def test_readme_table_is_current() -> None:
    assert settings_table() in settings_section(), f'the settings table in README.md is stale; {REGENERATE}'
