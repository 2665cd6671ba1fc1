"""`knotwork apikey create|list|delete`: the key printed once works for its user and nothing else."""

from __future__ import annotations

from pathlib import Path

from models.db import Database
from services.api_keys import actor_for_api_key

from .test_user_command import knotwork


def test_create_list_and_delete_a_key(tmp_path: Path) -> None:
    assert knotwork(tmp_path, "user", "create", "--email", "dev@example.com", "--password", "s3cret-pass").returncode == 0

    created = knotwork(tmp_path, "apikey", "create", "--email", "DEV@example.com", "--label", "ci",
                       "--scopes", "workflow:read,execution:read", "--expires-days", "30")

    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("kw_") and "shown once" in created.stderr
    database = Database(f"sqlite:///{tmp_path / 'knotwork.db'}")
    try:
        actor = actor_for_api_key(database, key)
        assert actor is not None and actor.email == "dev@example.com"
        assert actor.key_scopes == frozenset({"workflow:read", "execution:read"})
    finally:
        database.dispose()
    listed = knotwork(tmp_path, "apikey", "list", "--email", "dev@example.com")
    assert listed.returncode == 0 and "\tci\tscopes=execution:read,workflow:read\texpires=20" in listed.stdout
    assert key not in listed.stdout
    key_id = listed.stdout.split("\t", 1)[0]

    assert knotwork(tmp_path, "apikey", "delete", "--email", "dev@example.com", key_id).returncode == 0
    assert knotwork(tmp_path, "apikey", "list", "--email", "dev@example.com").stdout == ""
    bad = knotwork(tmp_path, "apikey", "create", "--email", "dev@example.com", "--scopes", "workflow:fly")
    assert bad.returncode == 2 and "Unknown scope(s): workflow:fly" in bad.stderr and "Traceback" not in bad.stderr
    ghost = knotwork(tmp_path, "apikey", "create", "--email", "ghost@example.com")
    assert ghost.returncode == 2 and "No user with the email" in ghost.stderr
