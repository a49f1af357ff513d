"""Fixtures shared by the Python tests under tests/ (schema, openapi,
integration)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def blueprint_bin() -> str:
    """The blueprint binary under test: `BLUEPRINT_BIN`, else the debug
    build; absolute, since tests run it from their project directories."""
    path = os.environ.get("BLUEPRINT_BIN") or str(ROOT / "target" / "debug" / "blueprint")
    if not Path(path).exists():
        pytest.fail(f"{path} does not exist: build it first (cargo build, or scripts/test)")
    return str(Path(path).resolve())
