"""`$connect` authorizer of the chat WebSocket API: only signed-in users of
the stack's Cognito user pool may open a connection.

API Gateway calls this Lambda REQUEST authorizer with the ``token`` query
string of the connect request (``wss://.../v1?token=<Cognito ID or access
token>``; browsers cannot set headers on a WebSocket). The token must be a
JWT signed by the user pool (RS256, a key from the pool's published JWKS),
issued by this pool, for this app client (``aud`` of an ID token,
``client_id`` of an access token), not expired. Then the connection is
allowed, with the user's ``sub`` as principal and ``userId`` / ``userName``
in the context the ``$connect`` function records; otherwise it is denied
(the client sees 403 and no connection exists, so ``sendmessage`` is never
reached).

The signature is checked with the standard library only (RSASSA-PKCS1-v1_5
with SHA-256). The JWKS is fetched once per execution environment and again
when a token names an unknown key.

Environment
-----------
``USER_POOL_ID``   the user pool (required)
``APP_CLIENT_ID``  the app client whose tokens are accepted (required)
``AWS_REGION``     set by Lambda
``JWKS_URL``       optional: where the keys are (default: the pool's
                   ``/.well-known/jwks.json``)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger("chat-authorizer")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

# DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
TOKEN_MAX = 8192
CLOCK_SKEW_SECONDS = 60
JWKS_REFRESH_SECONDS = 300

_keys: dict[str, tuple[int, int]] = {}
_fetched_at = 0.0


class Invalid(Exception):
    """A token that does not let its bearer connect."""


def reset() -> None:
    """Forget the cached keys (tests)."""
    global _fetched_at
    _keys.clear()
    _fetched_at = 0.0


def issuer() -> str:
    region = os.environ.get("AWS_REGION", "us-east-1")
    return f"https://cognito-idp.{region}.amazonaws.com/{os.environ['USER_POOL_ID']}"


def _b64(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as e:
        raise Invalid("bad base64") from e


def _int(segment: str) -> int:
    return int.from_bytes(_b64(segment), "big")


def fetch_jwks(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (https URL from config)
        return json.loads(response.read())


def _load_keys(now: float) -> None:
    global _fetched_at
    url = os.environ.get("JWKS_URL") or f"{issuer()}/.well-known/jwks.json"
    jwks = fetch_jwks(url)
    _keys.clear()
    for key in jwks.get("keys", []):
        if key.get("kty") == "RSA" and key.get("kid") and key.get("n") and key.get("e"):
            _keys[key["kid"]] = (_int(key["n"]), _int(key["e"]))
    _fetched_at = now


def key_for(kid: str, now: float) -> tuple[int, int]:
    if not _keys or (kid not in _keys and now - _fetched_at >= JWKS_REFRESH_SECONDS):
        _load_keys(now)
    if kid not in _keys:
        raise Invalid("unknown signing key")
    return _keys[kid]


def rs256_valid(signing_input: bytes, signature: bytes, n: int, e: int) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256."""
    size = (n.bit_length() + 7) // 8
    if len(signature) != size or size < 256:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(size, "big")
    t = _SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def verify(token: str, now: float) -> dict[str, Any]:
    """The token's claims if it lets its bearer connect; raises Invalid."""
    if not isinstance(token, str) or len(token) > TOKEN_MAX or not _TOKEN.match(token):
        raise Invalid("not a JWT")
    head, body, sig = token.split(".")
    try:
        header = json.loads(_b64(head))
        claims = json.loads(_b64(body))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise Invalid("not JSON") from e
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Invalid("not a JWT")
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Invalid("not an RS256 token")
    n, e = key_for(header["kid"], now)
    if not rs256_valid(f"{head}.{body}".encode(), _b64(sig), n, e):
        raise Invalid("bad signature")
    if claims.get("iss") != issuer():
        raise Invalid("another issuer")
    client = os.environ["APP_CLIENT_ID"]
    use = claims.get("token_use")
    if use == "id":
        if claims.get("aud") != client:
            raise Invalid("another app client")
    elif use == "access":
        if claims.get("client_id") != client:
            raise Invalid("another app client")
    else:
        raise Invalid("not an ID or access token")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp + CLOCK_SKEW_SECONDS < now:
        raise Invalid("expired")
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and iat - CLOCK_SKEW_SECONDS > now:
        raise Invalid("issued in the future")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Invalid("no subject")
    return claims


def policy(principal: str, effect: str, resource: str, context: Mapping[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        result["context"] = dict(context)
    return result


def handler(event: Mapping[str, Any], context: Any, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    resource = str(event.get("methodArn", ""))
    token = (event.get("queryStringParameters") or {}).get("token", "")
    try:
        claims = verify(token, now)
    except Invalid as e:
        logger.info("connection denied: %s", e)
        return policy("anonymous", "Deny", resource)
    except (OSError, ValueError):
        logger.exception("could not read the user pool's keys; connection denied")
        return policy("anonymous", "Deny", resource)
    name = claims.get("cognito:username") or claims.get("username") or claims.get("email") or claims["sub"]
    logger.info("connection allowed")
    return policy(claims["sub"], "Allow", resource, {"userId": claims["sub"], "userName": str(name)})
