"""Lambda handler for the todo-list REST API.

The function sits behind an API Gateway REST API (Lambda proxy integration,
payload format 1.0) protected by a Cognito User Pool authorizer.  Each
authenticated user owns the todos stored under their Cognito ``sub`` in a
DynamoDB table keyed by ``userId`` (partition) and ``todoId`` (sort).  Members
of the admin group may additionally list and delete every user's todos.

Routes
------
``GET    /todos``                                 list the caller's todos
``POST   /todos``                                 create a todo
``GET    /todos/{todoId}``                        read one todo
``PUT    /todos/{todoId}``                        update title and/or done
``DELETE /todos/{todoId}``                        delete one todo
``GET    /admin/todos``                           (admin) list every todo
``DELETE /admin/users/{userId}/todos/{todoId}``   (admin) delete any todo

Environment
-----------
``TABLE_NAME``    DynamoDB table name (required).
``ADMIN_GROUP``   Cognito group granting admin access (default ``admin``).
``DAX_ENDPOINT``  Optional DAX cluster endpoint (``cache: dax``).  When set,
                  every table read and write goes through the DAX client
                  (``amazondax``, packaged with the function by the
                  blueprint); if the client cannot be imported or built, the
                  request fails with 500 and the error is logged, never a
                  silent fallback to DynamoDB.
``LOG_LEVEL``     Optional logging level (default ``INFO``).

Every response carries a JSON body (``{"error": "..."}`` for errors) except
``204 No Content``, whose body is empty.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("todo-api")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

TITLE_MAX_LENGTH = 500
LIMIT_MIN = 1
LIMIT_MAX = 100
DEFAULT_ADMIN_GROUP = "admin"

_TODO_FIELDS = ("title", "done")
_PUBLIC_FIELDS = ("userId", "todoId", "title", "done", "createdAt", "updatedAt")
_KEY_FIELDS = ("userId", "todoId")
_JSON_HEADERS = {"Content-Type": "application/json"}
_GROUP_SEPARATORS = re.compile(r"[\s,]+")
_LIMIT_PATTERN = re.compile(r"[0-9]{1,3}")
NEXT_TOKEN_MAX_LENGTH = 2048

Event = Mapping[str, Any]
Response = dict[str, Any]


# --------------------------------------------------------------------------
# Errors, responses and logging
# --------------------------------------------------------------------------


class ApiError(Exception):
    """An error that maps directly onto an HTTP error response."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def _json_default(value: Any) -> Any:
    """Serialise the non-JSON types DynamoDB hands back (numbers, sets)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _response(status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> Response:
    """Build an API Gateway proxy response; ``body=None`` gives an empty body."""
    return {
        "statusCode": status,
        "headers": {**_JSON_HEADERS, **(headers or {})},
        "body": "" if body is None else json.dumps(body, default=_json_default),
    }


def _error_response(error: ApiError) -> Response:
    return _response(error.status, {"error": error.message}, error.headers)


def _log(level: int, message: str, **fields: Any) -> None:
    """Emit one structured (JSON) log line."""
    logger.log(level, json.dumps({"message": message, **fields}, default=str))


# --------------------------------------------------------------------------
# AWS clients (created lazily, cached for the lifetime of the container)
# --------------------------------------------------------------------------


class DaxUnavailable(RuntimeError):
    """``DAX_ENDPOINT`` is set but the DAX client cannot be imported or built."""


@functools.cache
def _dynamodb_resource() -> Any:
    """Return the DynamoDB resource: through DAX when ``DAX_ENDPOINT`` is set.

    With ``DAX_ENDPOINT`` set, the resource is the DAX client's
    (``amazondax.AmazonDaxClient.resource``): reads are served from the
    cluster and writes go through it (write-through), so its item cache stays
    current.  If the client cannot be imported (a package built without it)
    or built (the cluster unreachable), the error is logged at ERROR level
    and the request fails (500) instead of falling back to DynamoDB:

    - a fallback would hide the fault: the cluster the stack pays for would
      serve nothing and only the DynamoDB bill would tell; a failed request
      shows in the function's Errors metric and the API's 5xx at once;
    - a container that wrote around DAX would leave other containers, still
      reading through it, serving stale items for up to the item TTL.

    A failure is not cached: the next request tries again.  The choice is
    logged once per container.
    """
    endpoint = os.environ.get("DAX_ENDPOINT", "").strip()
    if not endpoint:
        _log(logging.INFO, "Using DynamoDB for table access", backend="dynamodb")
        return boto3.resource("dynamodb")
    try:
        import amazondax  # packaged by the blueprint when the stack has DAX

        resource = amazondax.AmazonDaxClient.resource(endpoint_url=endpoint)
    except Exception as error:
        logger.error(
            json.dumps(
                {
                    "message": "DAX_ENDPOINT is set but the DAX client could not be "
                    + ("imported" if isinstance(error, ImportError) else "built")
                    + "; failing the request rather than bypassing the cache",
                    "backend": "dax",
                    "daxEndpoint": endpoint,
                    "errorType": type(error).__name__,
                    "error": str(error),
                }
            ),
            exc_info=True,
        )
        raise DaxUnavailable(f"DAX client unavailable for {endpoint}") from error
    _log(logging.INFO, "Using DAX for table access", backend="dax", daxEndpoint=endpoint)
    return resource


@functools.cache
def _cached_table(name: str) -> Any:
    return _dynamodb_resource().Table(name)


def _table() -> Any:
    """Return the (cached) Table resource named by ``TABLE_NAME``."""
    return _cached_table(os.environ["TABLE_NAME"])


def reset_clients() -> None:
    """Forget cached AWS resources (used by tests; harmless in Lambda)."""
    _cached_table.cache_clear()
    _dynamodb_resource.cache_clear()


# --------------------------------------------------------------------------
# Request parsing helpers
# --------------------------------------------------------------------------


def _claims(event: Event) -> Mapping[str, Any]:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    claims = authorizer.get("claims") if isinstance(authorizer, Mapping) else None
    return claims if isinstance(claims, Mapping) else {}


def _caller_id(event: Event) -> str:
    """Return the caller's Cognito ``sub``; 401 when it is absent."""
    sub = _claims(event).get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise ApiError(401, "Unauthorized")
    return sub


def parse_groups(raw: Any) -> frozenset[str]:
    """Parse the ``cognito:groups`` claim into a set of group names.

    API Gateway REST APIs deliver the claim as a string, either
    comma-separated (``"admin,users"``) or bracketed and space-separated
    (``"[admin users]"``); a JSON array (as a list or as a string) is also
    accepted.
    """
    if raw is None:
        return frozenset()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return frozenset(str(group).strip() for group in raw if str(group).strip())
    if not isinstance(raw, str):
        return frozenset()
    text = raw.strip()
    if text.startswith("["):
        try:
            decoded = json.loads(text)
        except ValueError:
            text = text[1:-1] if text.endswith("]") else text[1:]
        else:
            if isinstance(decoded, list):
                return parse_groups(decoded)
    return frozenset(part.strip("\"'") for part in _GROUP_SEPARATORS.split(text) if part.strip("\"'"))


def _require_admin(event: Event) -> None:
    admin_group = os.environ.get("ADMIN_GROUP", "").strip() or DEFAULT_ADMIN_GROUP
    if admin_group not in parse_groups(_claims(event).get("cognito:groups")):
        raise ApiError(403, "Forbidden: admin access required")


def _path_param(event: Event, name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"Missing path parameter: {name}")
    return value


def _todo_id(event: Event) -> str:
    """Return the ``todoId`` path parameter; ids that are not UUIDs cannot exist."""
    todo_id = _path_param(event, "todoId")
    try:
        uuid.UUID(todo_id)
    except ValueError:
        raise ApiError(404, "Todo not found") from None
    return todo_id


def _json_body(event: Event) -> dict[str, Any]:
    """Decode the request body as a JSON object (base64 bodies included)."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise ApiError(400, "Request body is required")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise ApiError(400, "Request body is not valid base64-encoded UTF-8") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def _check_fields(body: Mapping[str, Any]) -> None:
    unknown = sorted(set(body) - set(_TODO_FIELDS))
    if unknown:
        raise ApiError(400, f"Unknown field(s): {', '.join(unknown)}")


def _validate_title(value: Any) -> str:
    if not isinstance(value, str):
        raise ApiError(400, "title must be a string")
    title = value.strip()
    if not title:
        raise ApiError(400, "title must not be empty")
    if len(title) > TITLE_MAX_LENGTH:
        raise ApiError(400, f"title must be at most {TITLE_MAX_LENGTH} characters")
    return title


def _validate_done(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ApiError(400, "done must be a boolean")
    return value


def _query_params(event: Event) -> Mapping[str, Any]:
    return event.get("queryStringParameters") or {}


def _parse_limit(event: Event) -> int | None:
    raw = _query_params(event).get("limit")
    if raw is None:
        return None
    text = str(raw).strip()
    if not _LIMIT_PATTERN.fullmatch(text) or not LIMIT_MIN <= int(text) <= LIMIT_MAX:
        raise ApiError(400, f"limit must be an integer between {LIMIT_MIN} and {LIMIT_MAX}")
    return int(text)


def encode_next_token(key: Mapping[str, str]) -> str:
    """Encode a DynamoDB key as an opaque, URL-safe pagination token."""
    payload = json.dumps(dict(key), separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def decode_next_token(token: str) -> dict[str, str]:
    """Decode a token produced by :func:`encode_next_token`; 400 if malformed."""
    if len(token) > NEXT_TOKEN_MAX_LENGTH:
        raise ApiError(400, "Invalid nextToken")
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeError are ValueErrors
        raise ApiError(400, "Invalid nextToken") from None
    if (
        not isinstance(key, dict)
        or set(key) != set(_KEY_FIELDS)
        or not all(isinstance(key[field], str) and key[field] for field in _KEY_FIELDS)
    ):
        raise ApiError(400, "Invalid nextToken")
    return key


def _parse_next_token(event: Event) -> dict[str, str] | None:
    token = _query_params(event).get("nextToken")
    if token is None or token == "":
        return None
    return decode_next_token(str(token))


# --------------------------------------------------------------------------
# Data access helpers
# --------------------------------------------------------------------------


def _now() -> str:
    """Current UTC time as ISO-8601 with millisecond precision and a 'Z'."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    """Project a stored item onto the fields exposed by the API."""
    return {field: item[field] for field in _PUBLIC_FIELDS if field in item}


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _paginate(
    operation: Callable[..., Mapping[str, Any]],
    params: Mapping[str, Any],
    limit: int | None,
    start_key: Mapping[str, str] | None,
) -> Response:
    """Run a Query/Scan, following ``LastEvaluatedKey`` across pages.

    Without ``limit`` every matching item is returned.  With ``limit`` at most
    that many items are returned; one extra item is read so that
    ``nextToken`` is only present when more items really exist.
    """
    request = dict(params)
    if start_key:
        request["ExclusiveStartKey"] = dict(start_key)
    items: list[Mapping[str, Any]] = []
    while True:
        if limit is not None:
            request["Limit"] = limit + 1 - len(items)
        page = operation(**request)
        items.extend(page.get("Items", []))
        last_key = page.get("LastEvaluatedKey")
        if not last_key or (limit is not None and len(items) > limit):
            break
        request["ExclusiveStartKey"] = last_key

    next_token = None
    if limit is not None and len(items) > limit:
        items = items[:limit]
        next_token = encode_next_token({field: items[-1][field] for field in _KEY_FIELDS})
    return _response(200, {"items": [_public(item) for item in items], "nextToken": next_token})


def _delete(user_id: str, todo_id: str) -> Response:
    try:
        _table().delete_item(
            Key={"userId": user_id, "todoId": todo_id},
            ConditionExpression="attribute_exists(todoId)",
        )
    except ClientError as error:
        if _is_condition_failure(error):
            raise ApiError(404, "Todo not found") from None
        raise
    return _response(204)


# --------------------------------------------------------------------------
# Route handlers
# --------------------------------------------------------------------------


def list_todos(event: Event) -> Response:
    """GET /todos: the caller's todos, optionally paginated."""
    user_id = _caller_id(event)
    limit = _parse_limit(event)
    start_key = _parse_next_token(event)
    if start_key is not None and start_key["userId"] != user_id:
        raise ApiError(400, "Invalid nextToken")
    return _paginate(
        _table().query,
        {
            "KeyConditionExpression": "userId = :userId",
            "ExpressionAttributeValues": {":userId": user_id},
        },
        limit,
        start_key,
    )


def create_todo(event: Event) -> Response:
    """POST /todos: create a todo owned by the caller."""
    user_id = _caller_id(event)
    body = _json_body(event)
    _check_fields(body)
    if "title" not in body:
        raise ApiError(400, "title is required")
    title = _validate_title(body["title"])
    done = _validate_done(body["done"]) if "done" in body else False

    now = _now()
    item = {
        "userId": user_id,
        "todoId": str(uuid.uuid4()),
        "title": title,
        "done": done,
        "createdAt": now,
        "updatedAt": now,
    }
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(todoId)")
    return _response(201, _public(item))


def get_todo(event: Event) -> Response:
    """GET /todos/{todoId}: one of the caller's todos."""
    user_id = _caller_id(event)
    todo_id = _todo_id(event)
    item = _table().get_item(Key={"userId": user_id, "todoId": todo_id}).get("Item")
    if item is None:
        raise ApiError(404, "Todo not found")
    return _response(200, _public(item))


def update_todo(event: Event) -> Response:
    """PUT /todos/{todoId}: change the title and/or done flag of a todo."""
    user_id = _caller_id(event)
    todo_id = _todo_id(event)
    body = _json_body(event)
    _check_fields(body)
    if not body:
        raise ApiError(400, "At least one of title, done is required")

    changes: dict[str, Any] = {}
    if "title" in body:
        changes["title"] = _validate_title(body["title"])
    if "done" in body:
        changes["done"] = _validate_done(body["done"])
    changes["updatedAt"] = _now()

    try:
        result = _table().update_item(
            Key={"userId": user_id, "todoId": todo_id},
            UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in changes),
            ExpressionAttributeNames={f"#{name}": name for name in changes},
            ExpressionAttributeValues={f":{name}": value for name, value in changes.items()},
            ConditionExpression="attribute_exists(todoId)",
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if _is_condition_failure(error):
            raise ApiError(404, "Todo not found") from None
        raise
    return _response(200, _public(result["Attributes"]))


def delete_todo(event: Event) -> Response:
    """DELETE /todos/{todoId}: delete one of the caller's todos."""
    return _delete(_caller_id(event), _todo_id(event))


def admin_list_todos(event: Event) -> Response:
    """GET /admin/todos: every user's todos (admin only)."""
    _require_admin(event)
    return _paginate(_table().scan, {}, _parse_limit(event), _parse_next_token(event))


def admin_delete_todo(event: Event) -> Response:
    """DELETE /admin/users/{userId}/todos/{todoId}: delete any todo (admin only)."""
    _require_admin(event)
    return _delete(_path_param(event, "userId"), _todo_id(event))


ROUTES: Mapping[str, Mapping[str, Callable[[Event], Response]]] = {
    "/todos": {"GET": list_todos, "POST": create_todo},
    "/todos/{todoId}": {"GET": get_todo, "PUT": update_todo, "DELETE": delete_todo},
    "/admin/todos": {"GET": admin_list_todos},
    "/admin/users/{userId}/todos/{todoId}": {"DELETE": admin_delete_todo},
}


def _route(event: Event) -> Callable[[Event], Response]:
    """Pick the handler for the request; 404 for unknown paths, 405 for methods."""
    methods = ROUTES.get(event.get("resource") or "")
    if methods is None:
        raise ApiError(404, "Not found")
    method = str(event.get("httpMethod") or "").upper()
    route_handler = methods.get(method)
    if route_handler is None:
        raise ApiError(405, "Method not allowed", {"Allow": ", ".join(methods)})
    return route_handler


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def handler(event: Event, context: Any = None) -> Response:
    """Lambda entry point (``handler.handler``)."""
    request_context = event.get("requestContext") or {}
    log_fields = {
        "method": event.get("httpMethod"),
        "resource": event.get("resource"),
        "requestId": request_context.get("requestId") if isinstance(request_context, Mapping) else None,
        "awsRequestId": getattr(context, "aws_request_id", None),
    }
    try:
        _caller_id(event)
        response = _route(event)(event)
    except ApiError as error:
        response = _error_response(error)
    except Exception as error:  # last-resort handler: never leak details
        logger.exception(
            json.dumps(
                {
                    "message": "Unhandled error",
                    "errorType": type(error).__name__,
                    "error": str(error),
                    **log_fields,
                },
                default=str,
            )
        )
        response = _response(500, {"error": "Internal server error"})
    _log(logging.INFO, "request", status=response["statusCode"], **log_fields)
    return response
