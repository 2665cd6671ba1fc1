"""worker.py says queue mode is not available yet and exits 2 instead of faking a worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import worker

ROOT = Path(__file__).resolve().parents[1]


def test_main_returns_2_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert worker.main() == 2
    assert 'queue mode is not available yet' in capsys.readouterr().err


def test_running_the_script_exits_2() -> None:
    result = subprocess.run([sys.executable, str(ROOT / 'worker.py')], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert 'queue mode is not available yet' in result.stderr
