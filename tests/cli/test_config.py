"""`knotwork config` and the settings page: one declaration (services.settings.SETTINGS) feeds both,
every setting has help, and docs/settings.md is exactly what the generator prints today."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main
from cli.config import settings_page
from services.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "settings.md"
REGENERATE = "regenerate it with `.venv/bin/knotwork config --markdown > docs/settings.md`"


def test_every_setting_has_help_text() -> None:
    assert [setting.name for setting in SETTINGS if len(setting.help.strip()) < 10] == []


def test_the_settings_page_documents_every_setting_and_is_current() -> None:
    page = PAGE.read_text(encoding="utf-8")

    missing = [setting.name for setting in SETTINGS if f"`{setting.name}`" not in page]

    assert not missing, f"docs/settings.md does not document {missing}; {REGENERATE}"
    assert page == settings_page(), f"docs/settings.md is stale; {REGENERATE}"


def test_markdown_flag_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--markdown"]) == 0
    assert capsys.readouterr().out == settings_page()


def test_config_prints_every_setting_with_secrets_masked(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.setenv("KNOTWORK_ENCRYPTION_KEY", "the-real-key")
    monkeypatch.setenv("KNOTWORK_SMTP_PASSWORD", "mail-password")
    monkeypatch.setenv("KNOTWORK_DATABASE_URL", "postgresql+psycopg://knotwork:db-password@db:5432/knotwork")
    monkeypatch.setenv("KNOTWORK_REDIS_URL", "redis://:redis-password@redis:6379/0")
    monkeypatch.setenv("KNOTWORK_PORT", " 9090 ")

    assert main(["config"]) == 0
    out = capsys.readouterr().out
    lines = dict(line.split("=", 1) for line in out.splitlines())

    assert list(lines) == [setting.name for setting in SETTINGS]
    assert lines["KNOTWORK_ENCRYPTION_KEY"] == "***" and lines["KNOTWORK_SMTP_PASSWORD"] == "***"
    assert lines["KNOTWORK_STORAGE_SECRET"] == ""  # unset: nothing to hide
    assert lines["KNOTWORK_DATABASE_URL"] == "postgresql+psycopg://knotwork:***@db:5432/knotwork"
    assert lines["KNOTWORK_REDIS_URL"] == "redis://:***@redis:6379/0"
    assert (lines["KNOTWORK_PORT"], lines["KNOTWORK_HOST"]) == ("9090", "127.0.0.1")
    for secret in ("the-real-key", "mail-password", "db-password", "redis-password"):
        assert secret not in out


def test_config_refuses_an_invalid_environment(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KNOTWORK_LOG_FORMAT", "xml")

    assert main(["config"]) == 2
    assert "KNOTWORK_LOG_FORMAT='xml' is invalid: expected text or json" in capsys.readouterr().err
