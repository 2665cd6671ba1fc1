"""worker.py refuses to start without KNOTWORK_REDIS_URL (embedded mode needs no worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_worker_needs_a_redis_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KNOTWORK_", "PYTEST_"))}
    env["KNOTWORK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "worker.py")], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    assert result.returncode != 0
    assert "set KNOTWORK_REDIS_URL" in result.stderr
