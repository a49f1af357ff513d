"""The `users` service of the microservices blueprint: users in its own table.

The function sits behind the shared API (API Gateway REST proxy integration,
payload format 1.0, or an Application Load Balancer; both events carry
``httpMethod`` and ``path``). Its routes live under the service's base path
(``BASE_PATH``, ``/users`` by default):

``GET    /``           list users (``?limit=1..100``, ``?nextToken=...``)
``POST   /``           create a user: ``{"name": ..., "email": ...}``
``GET    /{userId}``   read one user
``PUT    /{userId}``   update name and/or email
``DELETE /{userId}``   delete a user

Environment: ``TABLE_NAME`` (the service's table, partition key ``id``),
``BASE_PATH``, ``SERVICE_NAME``, optional ``LOG_LEVEL``.

Every response has a JSON body (``{"error": "..."}`` for errors) except
``204 No Content``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("users-service")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
LIMIT_MAX = 100
DEFAULT_LIMIT = 25
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIELDS = ("name", "email")
_PUBLIC = ("id", "name", "email", "createdAt", "updatedAt")

_table = None


class ApiError(Exception):
    """An error that maps onto an HTTP error response."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def reset_clients() -> None:
    """Forget the cached table (tests switch environments)."""
    global _table
    _table = None


def table() -> Any:
    global _table
    if _table is None:
        name = os.environ.get("TABLE_NAME")
        if not name:
            raise RuntimeError("TABLE_NAME is not set")
        _table = boto3.resource("dynamodb").Table(name)
    return _table


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _response(event: Mapping[str, Any], status: int, body: Any = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": "" if body is None else json.dumps(body, separators=(",", ":")),
    }
    if "elb" in (event.get("requestContext") or {}):
        # An Application Load Balancer also wants these.
        response["statusDescription"] = f"{status} {_REASONS.get(status, '')}".strip()
        response["isBase64Encoded"] = False
    return response


_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
}


def _relative_path(event: Mapping[str, Any]) -> str:
    """The request path below the service's base path (``/`` for the base)."""
    path = event.get("path") or "/"
    base = os.environ.get("BASE_PATH", "/users").rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    path = "/" + path.strip("/")
    return path


def _json_body(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event.get("body")
    if raw in (None, ""):
        raise ApiError(400, "a JSON object body is required")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise ApiError(400, "the body is not valid base64 UTF-8") from e
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ApiError(400, "the body is not valid JSON") from e
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _validate(body: Mapping[str, Any], *, partial: bool) -> dict[str, str]:
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}")
    out: dict[str, str] = {}
    if "name" in body or not partial:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "`name` must be a non-empty string")
        name = name.strip()
        if len(name) > NAME_MAX_LENGTH:
            raise ApiError(400, f"`name` is longer than {NAME_MAX_LENGTH} characters")
        out["name"] = name
    if "email" in body or not partial:
        email = body.get("email")
        if not isinstance(email, str) or not _EMAIL.match(email.strip()):
            raise ApiError(400, "`email` must be an email address")
        email = email.strip().lower()
        if len(email) > EMAIL_MAX_LENGTH:
            raise ApiError(400, f"`email` is longer than {EMAIL_MAX_LENGTH} characters")
        out["email"] = email
    if partial and not out:
        raise ApiError(400, "give `name` and/or `email`")
    return out


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in _PUBLIC if k in item}


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= LIMIT_MAX:
        raise ApiError(400, f"`limit` must be an integer from 1 to {LIMIT_MAX}")
    return int(raw)


def _decode_token(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError) as e:
        raise ApiError(400, "`nextToken` is not valid") from e
    if not isinstance(key, dict) or set(key) != {"id"} or not isinstance(key["id"], str):
        raise ApiError(400, "`nextToken` is not valid")
    return key


def _encode_token(key: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(dict(key)).encode()).rstrip(b"=").decode()


def list_users(query: Mapping[str, str]) -> dict[str, Any]:
    args: dict[str, Any] = {"Limit": _limit(query)}
    if query.get("nextToken"):
        args["ExclusiveStartKey"] = _decode_token(query["nextToken"])
    page = table().scan(**args)
    items = sorted((_public(i) for i in page.get("Items", [])), key=lambda i: i["id"])
    last = page.get("LastEvaluatedKey")
    return {"items": items, "nextToken": _encode_token(last) if last else None}


def create_user(body: Mapping[str, Any]) -> dict[str, Any]:
    fields = _validate(body, partial=False)
    now = _now()
    item = {"id": str(uuid.uuid4()), **fields, "createdAt": now, "updatedAt": now}
    table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    return item


def get_user(user_id: str) -> dict[str, Any]:
    item = table().get_item(Key={"id": user_id}).get("Item")
    if not item:
        raise ApiError(404, f"user {user_id} not found")
    return _public(item)


def update_user(user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    fields = _validate(body, partial=True)
    fields["updatedAt"] = _now()
    names = {f"#{k}": k for k in fields}
    values = {f":{k}": v for k, v in fields.items()}
    try:
        result = table().update_item(
            Key={"id": user_id},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in fields),
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ApiError(404, f"user {user_id} not found") from e
        raise
    return _public(result["Attributes"])


def delete_user(user_id: str) -> None:
    try:
        table().delete_item(Key={"id": user_id}, ConditionExpression="attribute_exists(id)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ApiError(404, f"user {user_id} not found") from e
        raise


def route(event: Mapping[str, Any]) -> tuple[int, Any]:
    method = (event.get("httpMethod") or "").upper()
    path = _relative_path(event)
    query = event.get("queryStringParameters") or {}
    segments = [s for s in path.split("/") if s]
    if not segments:
        if method == "GET":
            return 200, list_users(query)
        if method == "POST":
            return 201, create_user(_json_body(event))
        raise ApiError(405, f"{method} is not allowed on {path}")
    if len(segments) == 1:
        user_id = (event.get("pathParameters") or {}).get("userId") or segments[0]
        if method == "GET":
            return 200, get_user(user_id)
        if method == "PUT":
            return 200, update_user(user_id, _json_body(event))
        if method == "DELETE":
            delete_user(user_id)
            return 204, None
        raise ApiError(405, f"{method} is not allowed on {path}")
    raise ApiError(404, f"no route for {method} {path}")


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point."""
    try:
        status, body = route(event)
        return _response(event, status, body)
    except ApiError as e:
        return _response(event, e.status, {"error": e.message})
    except Exception:
        logger.exception("unhandled error")
        return _response(event, 500, {"error": "internal error"})
