"""Tests for the chat `$connect` authorizer: only a valid token of this user
pool and app client opens a connection."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from chat_authorizer_support import (
    ISSUER,
    METHOD_ARN,
    NOW,
    OTHER_KEY,
    claims,
    event,
    handler_module,
    jwks,
    token,
)


def _effect(result: dict[str, Any]) -> str:
    [statement] = result["policyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"] == METHOD_ARN
    return statement["Effect"]


def test_a_valid_id_token_connects_as_its_user(authorizer: Any) -> None:
    result = handler_module.handler(event(token()), None, now=NOW)
    assert _effect(result) == "Allow"
    assert result["principalId"] == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert result["context"] == {"userId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "userName": "ann"}
    assert authorizer["fetched"] == [f"{ISSUER}/.well-known/jwks.json"]


def test_a_valid_access_token_connects_too(authorizer: Any) -> None:
    tok = token(claims(token_use="access", aud=None, client_id="testclient123", username="ann"))
    assert _effect(handler_module.handler(event(tok), None, now=NOW)) == "Allow"


def test_the_keys_are_fetched_once(authorizer: Any) -> None:
    for _ in range(3):
        handler_module.handler(event(token()), None, now=NOW)
    assert len(authorizer["fetched"]) == 1


@pytest.mark.parametrize(
    "tok",
    [
        None,
        "",
        "not-a-token",
        "a.b",
        "a.b.c.d",
        "x" * 9000,
    ],
)
def test_no_or_malformed_tokens_are_denied(authorizer: Any, tok: str | None) -> None:
    result = handler_module.handler(event(tok), None, now=NOW)
    assert _effect(result) == "Deny"
    assert "context" not in result


@pytest.mark.parametrize(
    "payload",
    [
        claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
        claims(aud="another-client"),
        claims(token_use="access", aud=None, client_id="another-client"),
        claims(token_use="refresh"),
        claims(exp=NOW - 3600),
        claims(exp=None),
        claims(iat=NOW + 3600),
        claims(sub=None),
    ],
    ids=["issuer", "audience", "client", "use", "expired", "no-exp", "future", "no-sub"],
)
def test_tokens_for_someone_else_or_out_of_date_are_denied(authorizer: Any, payload: dict[str, Any]) -> None:
    assert _effect(handler_module.handler(event(token(payload)), None, now=NOW)) == "Deny"


def test_a_token_signed_with_another_key_is_denied(authorizer: Any) -> None:
    assert _effect(handler_module.handler(event(token(key=OTHER_KEY)), None, now=NOW)) == "Deny"


def test_a_tampered_token_is_denied(authorizer: Any) -> None:
    head, body, sig = token().split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["sub"] = "someone-else"
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert _effect(handler_module.handler(event(f"{head}.{body}.{sig}"), None, now=NOW)) == "Deny"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_only_rs256_is_accepted(authorizer: Any, alg: str) -> None:
    assert _effect(handler_module.handler(event(token(alg=alg)), None, now=NOW)) == "Deny"


def test_an_unknown_key_id_refreshes_the_keys_then_denies(authorizer: Any) -> None:
    handler_module.handler(event(token()), None, now=NOW)
    result = handler_module.handler(event(token(kid="rotated")), None, now=NOW + 600)
    assert _effect(result) == "Deny"
    assert len(authorizer["fetched"]) == 2


def test_a_rotated_key_is_picked_up(authorizer: Any) -> None:
    handler_module.handler(event(token()), None, now=NOW)
    authorizer["served"]["jwks"] = jwks(OTHER_KEY, "rotated")
    tok = token(key=OTHER_KEY, kid="rotated")
    assert _effect(handler_module.handler(event(tok), None, now=NOW + 600)) == "Allow"


def test_unreachable_keys_deny(authorizer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(url: str) -> dict[str, Any]:
        raise OSError("no network")

    monkeypatch.setattr(handler_module, "fetch_jwks", broken)
    assert _effect(handler_module.handler(event(token()), None, now=NOW)) == "Deny"


def test_signature_check_rejects_small_keys_and_bad_lengths() -> None:
    n = OTHER_KEY.public_key().public_numbers().n
    assert not handler_module.rs256_valid(b"x", b"\x01" * 10, n, 65537)
    assert not handler_module.rs256_valid(b"x", b"\x01" * 128, 2**1023 + 1, 65537)
