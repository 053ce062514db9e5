"""Shared test fixtures: paths, the golden-file flag, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline anywhere: a deadline is a wall-clock assertion, and a loaded CI machine would trip it.
settings.register_profile("netcheck", deadline=None)
settings.load_profile("netcheck")

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
BROKEN = ROOT / "tests" / "broken"
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")
    parser.addoption("--fuzz", action="store_true",
                     help="the full volume: every hostile case in every format, four times the fuzz examples")


def pytest_configure(config: pytest.Config) -> None:
    """``--fuzz`` runs the fuzzers at full volume (four times the default examples) unless a scale is set."""
    if config.getoption("--fuzz"):
        os.environ.setdefault("NETCHECK_FUZZ_SCALE", "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of ``tests/test_torch*.py`` ``torch``, so that ``-m 'not torch'`` leaves them out."""
    for item in items:
        if item.path.name.startswith("test_torch"):
            item.add_marker(pytest.mark.torch)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m netcheck`` with ``args`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "netcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)
