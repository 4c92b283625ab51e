"""Tests never see a developer's settings: every variable Settings reads is cleared."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_no_setting_variable_is_set_inside_a_test() -> None:
    assert [n.upper() for n in Settings.model_fields if n.upper() in os.environ] == []


@pytest.mark.slow  # a second pytest process
def test_a_developers_environment_does_not_leak_into_tests() -> None:
    """Set every variable Settings reads, then run the check above in a fresh pytest."""
    leaky = {name.upper(): "from-a-developer-shell" for name in Settings.model_fields}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).name}::test_no_setting_variable_is_set_inside_a_test",
        ],
        cwd=Path(__file__).parent,
        env={**os.environ, **leaky},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
