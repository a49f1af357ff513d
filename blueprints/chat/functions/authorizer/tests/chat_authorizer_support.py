"""Test support for the chat `$connect` authorizer: loads the handler under a
unique name, makes an RSA key pair and signs Cognito-like tokens with it."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "testclient123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
KID = "test-key-1"
NOW = 1_800_000_000
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/$connect"


def _load() -> Any:
    name = "chat_authorizer_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n: int) -> str:
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def jwks(key: Any = PRIVATE_KEY, kid: str = KID) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": _uint(numbers.n), "e": _uint(numbers.e)}]}


def claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "sub": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "cognito:username": "ann",
        "email": "ann@example.com",
        "iat": NOW - 60,
        "exp": NOW + 3600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(payload: dict[str, Any] | None = None, *, key: Any = PRIVATE_KEY, kid: str = KID, alg: str = "RS256") -> str:
    header = _b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload if payload is not None else claims()).encode())
    signature = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{_b64(signature)}"


def event(tok: str | None) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "queryStringParameters": None if tok is None else {"token": tok},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "abc="},
    }
