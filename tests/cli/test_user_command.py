"""`knotwork user create` and `knotwork user password`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def knotwork(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KNOTWORK_", "PYTEST_"))}
    env["KNOTWORK_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_create_the_owner_once_and_reset_a_password(tmp_path: Path) -> None:
    created = knotwork(tmp_path, "user", "create", "--owner", "--email", "Owner@Example.com", "--password", "s3cret-pass")
    assert created.returncode == 0, created.stderr
    assert "Created owner owner@example.com" in created.stdout
    again = knotwork(tmp_path, "user", "create", "--owner", "--email", "b@example.com", "--password", "s3cret-pass")
    assert again.returncode == 2 and "already has an owner" in again.stderr and "Traceback" not in again.stderr
    reset = knotwork(tmp_path, "user", "password", "--email", "owner@example.com", "--password", "new-pass-123")
    assert reset.returncode == 0 and "changed" in reset.stdout
    unknown = knotwork(tmp_path, "user", "password", "--email", "ghost@example.com", "--password", "new-pass-123")
    assert unknown.returncode == 2 and "No user" in unknown.stderr
