"""Lambda handler for the blog's REST API.

CloudFront forwards ``/api/*`` to an API Gateway REST API (Lambda proxy
integration, payload format 1.0); this function answers every route.

Routes
------
``GET  /api/posts``            published posts, newest first within a page
                               (``?limit=1..50&nextToken=...``)
``GET  /api/posts/{postId}``   one published post
``POST /api/uploads``          signed-in authors only: a presigned POST for one
                               photo ``{"contentType": "image/jpeg"}`` on the
                               accelerated endpoint of the uploads bucket, under
                               the caller's own prefix (``uploads/<sub>/``), and
                               the URL its thumbnail will have

Readers sign up with the Cognito user pool, not through this API: Cognito
verifies the address, its post confirmation trigger records the user, and the
users-table stream sends the welcome email. No route here takes an address.

API Gateway checks the caller's Cognito token on ``POST /api/uploads`` (a
user-pool authorizer on a REST API, a JWT authorizer on an HTTP API); this
function then also requires the ``authors`` group (``UPLOADERS_GROUP``)
among the token's ``cognito:groups``. Only when the stack opened the route on
purpose (``UPLOADS_PUBLIC=true``) does an anonymous caller get an upload, under
``uploads/anonymous/``.

Posts are written by the blog's authors directly into the posts table:
``postId`` (the slug), ``title``, ``summary``, ``body``, ``author``,
``publishedAt`` (ISO 8601) and ``status`` (``published`` or ``draft``).

Environment
-----------
``POSTS_TABLE``                      the posts table (required)
``UPLOADS_BUCKET``                   the uploads bucket (required)
``UPLOADERS_GROUP``                  the user pool group that may upload (``authors``;
                                     empty: any signed-in user)
``UPLOADS_PUBLIC``                   ``true`` only when the route was opened on purpose
``UPLOADS_PREFIX``                   key prefix of uploads (default ``uploads/``)
``MAX_UPLOAD_BYTES``                 largest photo accepted (default 10 MiB)
``THUMBNAILS_PATH``                  path thumbnails are served under (``/thumbnails/``)
``THUMBNAIL_EXTENSION``              extension of thumbnails (``.jpg``)
``DAX_ENDPOINT``                     optional DAX endpoint (``dax.enabled``): posts are
                                     then read through the DAX client (``amazondax``,
                                     packaged by the blueprint); if it cannot be imported
                                     or built the request fails (500, logged), never a
                                     silent fallback to DynamoDB
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config

logger = logging.getLogger("blog-api")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

LIMIT_DEFAULT = 20
LIMIT_MAX = 50
UPLOAD_URL_SECONDS = 300
CONTENT_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
_LIST_FIELDS = ("postId", "title", "summary", "author", "publishedAt", "tags")
_POST_FIELDS = (*_LIST_FIELDS, "body")
_SUB = re.compile(r"^[A-Za-z0-9-]{1,128}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
_JSON = {"Content-Type": "application/json"}

_clients: dict[str, Any] = {}


class HttpError(Exception):
    """An error answered with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def _dynamodb() -> Any:
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.resource("dynamodb")
    return _clients["dynamodb"]


class DaxUnavailable(RuntimeError):
    """``DAX_ENDPOINT`` is set but the DAX client cannot be imported or built."""


def _posts() -> Any:
    """The posts table: read through DAX when ``DAX_ENDPOINT`` is set.

    If the DAX client cannot be imported (a package built without it) or
    built (the cluster unreachable), the error is logged at ERROR level and
    the request fails instead of reading DynamoDB directly: a fallback would
    leave the cluster the stack pays for serving nothing, unnoticed, while a
    failed request shows in the function's Errors metric and the API's 5xx.
    A failure is not remembered: the next request tries again.
    """
    if "posts" not in _clients:
        endpoint = os.environ.get("DAX_ENDPOINT")
        if endpoint:
            try:
                from amazondax import AmazonDaxClient  # packaged by the blueprint with DAX

                resource = AmazonDaxClient.resource(endpoint_url=endpoint)
            except Exception as error:
                logger.error(
                    "DAX_ENDPOINT is set (%s) but the DAX client could not be %s: %s: %s; "
                    "failing the request rather than bypassing the cache",
                    endpoint,
                    "imported" if isinstance(error, ImportError) else "built",
                    type(error).__name__,
                    error,
                    exc_info=True,
                )
                raise DaxUnavailable(f"DAX client unavailable for {endpoint}") from error
            logger.info("reading posts through DAX at %s", endpoint)
        else:
            resource = _dynamodb()
        _clients["posts"] = resource.Table(_env("POSTS_TABLE"))
    return _clients["posts"]


def _s3() -> Any:
    """An S3 client that signs for the transfer-accelerated endpoint."""
    if "s3" not in _clients:
        _clients["s3"] = boto3.client(
            "s3",
            config=Config(signature_version="s3v4", s3={"use_accelerate_endpoint": True}),
        )
    return _clients["s3"]


def _plain(value: Any) -> Any:
    """DynamoDB values as JSON values (Decimal to int or float, sets to lists)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def _response(status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {**_JSON, **(headers or {})},
        "body": "" if body is None else json.dumps(_plain(body), ensure_ascii=False),
    }


def _json_body(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event.get("body")
    if raw is None or raw == "":
        raise HttpError(400, "a JSON body is required")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise HttpError(400, "the body is not valid base64 UTF-8") from e
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as e:
        raise HttpError(400, "the body is not valid JSON") from e
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    return body


def _token_encode(key: Mapping[str, Any] | None) -> str | None:
    if not key:
        return None
    raw = json.dumps(_plain(key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _token_decode(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as e:
        raise HttpError(400, "nextToken is not valid") from e
    if not isinstance(key, dict) or set(key) != {"postId"} or not isinstance(key["postId"], str):
        raise HttpError(400, "nextToken is not valid")
    return key


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return LIMIT_DEFAULT
    try:
        limit = int(raw)
    except ValueError as e:
        raise HttpError(400, f"limit must be a whole number from 1 to {LIMIT_MAX}") from e
    if not 1 <= limit <= LIMIT_MAX:
        raise HttpError(400, f"limit must be a whole number from 1 to {LIMIT_MAX}")
    return limit


def list_posts(event: Mapping[str, Any]) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    limit = _limit(query)
    args: dict[str, Any] = {
        "Limit": limit,
        "FilterExpression": "#s = :published",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":published": "published"},
    }
    if query.get("nextToken"):
        args["ExclusiveStartKey"] = _token_decode(query["nextToken"])
    page = _posts().scan(**args)
    items = [{k: item[k] for k in _LIST_FIELDS if k in item} for item in page.get("Items", [])]
    items.sort(key=lambda p: (str(p.get("publishedAt", "")), p["postId"]), reverse=True)
    return _response(
        200,
        {"items": items, "nextToken": _token_encode(page.get("LastEvaluatedKey"))},
        {"Cache-Control": "public, max-age=60"},
    )


def get_post(event: Mapping[str, Any]) -> dict[str, Any]:
    post_id = (event.get("pathParameters") or {}).get("postId", "")
    if not _SLUG.match(post_id):
        raise HttpError(404, "no such post")
    item = _posts().get_item(Key={"postId": post_id}).get("Item")
    if not item or item.get("status") != "published":
        raise HttpError(404, "no such post")
    return _response(
        200,
        {k: item[k] for k in _POST_FIELDS if k in item},
        {"Cache-Control": "public, max-age=60"},
    )


def _claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The caller's verified token claims: a REST user-pool authorizer puts
    them under ``authorizer.claims``, an HTTP JWT authorizer under
    ``authorizer.jwt.claims`` (or ``claims``); ``{}`` without an authorizer."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or (authorizer.get("jwt") or {}).get("claims") or {}
    return claims if isinstance(claims, Mapping) else {}


def _groups(claims: Mapping[str, Any]) -> list[str]:
    """``cognito:groups``: a list (HTTP API) or ``"[a b]"`` / ``"a,b"`` (REST)."""
    raw = claims.get("cognito:groups", [])
    if isinstance(raw, list):
        return [str(g) for g in raw]
    return [g for g in re.split(r"[\s,\[\]]+", str(raw)) if g]


def uploader(event: Mapping[str, Any]) -> str:
    """The key prefix segment of whoever may upload: the caller's ``sub``.

    Raises 401 without a signed-in caller (unless the route was opened on
    purpose, then ``anonymous``) and 403 outside the uploaders' group."""
    claims = _claims(event)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _SUB.match(sub):
        if os.environ.get("UPLOADS_PUBLIC", "").lower() == "true":
            return "anonymous"
        raise HttpError(401, "sign in to upload photos")
    group = os.environ.get("UPLOADERS_GROUP", "")
    if group and group not in _groups(claims):
        raise HttpError(403, f"only members of the {group} group may upload photos")
    return sub


def create_upload(event: Mapping[str, Any]) -> dict[str, Any]:
    owner = uploader(event)
    body = _json_body(event)
    content_type = body.get("contentType")
    if content_type not in CONTENT_TYPES:
        raise HttpError(400, "contentType must be one of " + ", ".join(sorted(CONTENT_TYPES)))
    max_bytes = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
    prefix = os.environ.get("UPLOADS_PREFIX", "uploads/")
    photo_id = str(uuid.uuid4())
    key = f"{prefix}{owner}/{photo_id}{CONTENT_TYPES[content_type]}"
    post = _s3().generate_presigned_post(
        Bucket=_env("UPLOADS_BUCKET"),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, max_bytes],
        ],
        ExpiresIn=UPLOAD_URL_SECONDS,
    )
    thumbnails = os.environ.get("THUMBNAILS_PATH", "/thumbnails/")
    extension = os.environ.get("THUMBNAIL_EXTENSION", ".jpg")
    return _response(
        201,
        {
            "url": post["url"],
            "fields": post["fields"],
            "key": key,
            "maxBytes": max_bytes,
            "expiresIn": UPLOAD_URL_SECONDS,
            "thumbnailUrl": f"{thumbnails}{owner}/{photo_id}{extension}",
        },
        {"Cache-Control": "no-store"},
    )


ROUTES: dict[tuple[str, str], Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    ("GET", "/api/posts"): list_posts,
    ("GET", "/api/posts/{postId}"): get_post,
    ("POST", "/api/uploads"): create_upload,
}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Routes an API Gateway proxy event to its handler."""
    route = (event.get("httpMethod", ""), event.get("resource", ""))
    action = ROUTES.get(route)
    try:
        if action is None:
            raise HttpError(404, "no such route")
        return action(event)
    except HttpError as e:
        return _response(e.status, {"error": e.message}, {"Cache-Control": "no-store"})
    except Exception:
        logger.exception("request failed: %s %s", *route)
        return _response(500, {"error": "internal error"}, {"Cache-Control": "no-store"})
