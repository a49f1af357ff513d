"""Fixtures for the chat `$connect` authorizer tests: the pool's settings and
its JWKS served from memory (nothing reaches the network)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_authorizer_support import CLIENT_ID, POOL_ID, REGION, handler_module, jwks  # noqa: E402


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("USER_POOL_ID", POOL_ID)
    monkeypatch.setenv("APP_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("JWKS_URL", raising=False)
    fetched: list[str] = []
    served = {"jwks": jwks()}

    def fake_fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return served["jwks"]

    monkeypatch.setattr(handler_module, "fetch_jwks", fake_fetch)
    handler_module.reset()
    yield {"module": handler_module, "fetched": fetched, "served": served}
    handler_module.reset()
