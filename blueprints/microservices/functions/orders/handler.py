"""The `orders` service of the microservices blueprint: orders in its own
table, changed by REST calls and by events arriving asynchronously.

Synchronous routes, under the service's base path (``BASE_PATH``, ``/orders``
by default), from API Gateway (REST proxy, payload 1.0) or an Application Load
Balancer:

``GET    /``            list orders (``?userId=...`` to filter, ``?limit=1..100``)
``POST   /``            create an order: ``{"userId": ..., "items": [{"sku", "quantity", "price"}]}``
``GET    /{orderId}``   read one order
``DELETE /{orderId}``   delete an order

Asynchronous inputs (any the service was given), each message a JSON event:

- SQS batches (its queue, possibly fed by its SNS topic, raw or in SNS's
  envelope): failed messages are reported with ``batchItemFailures`` so only
  they are retried and, after ``max_receive_count`` receives, dead-lettered;
- Kinesis batches: failed records are reported by sequence number;
- S3 notifications: each uploaded object holds one order per line (JSON
  lines) to import; a failure raises, so Lambda retries and then sends the
  event to the failed-events destination.

Events: ``{"type": "order.create", "order": {...}}``,
``{"type": "payment.received", "orderId": ...}`` (status ``paid``) and
``{"type": "order.cancelled", "orderId": ...}`` (status ``cancelled``).

Environment: ``TABLE_NAME`` (partition key ``id``), ``BASE_PATH``,
``BUCKET_NAME`` (with a bucket input), optional ``LOG_LEVEL``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("orders-service")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

MAX_ITEMS = 100
MAX_QUANTITY = 10_000
LIMIT_MAX = 100
DEFAULT_LIMIT = 25
MAX_IMPORT_BYTES = 5 * 1024 * 1024
STATUSES = ("pending", "paid", "cancelled")
_PUBLIC = ("id", "userId", "items", "total", "status", "createdAt", "updatedAt")

_table = None
_s3 = None


class ApiError(Exception):
    """An error that maps onto an HTTP error response."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class BadEvent(ValueError):
    """An asynchronous event that cannot be processed (it will be retried and
    then dead-lettered)."""


def reset_clients() -> None:
    """Forget cached clients (tests switch environments)."""
    global _table, _s3
    _table = None
    _s3 = None


def table() -> Any:
    global _table
    if _table is None:
        name = os.environ.get("TABLE_NAME")
        if not name:
            raise RuntimeError("TABLE_NAME is not set")
        _table = boto3.resource("dynamodb").Table(name)
    return _table


def s3() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _plain(value: Any) -> Any:
    """DynamoDB numbers (Decimal) as JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    return _plain({k: item[k] for k in _PUBLIC if k in item})


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


def _validate_order(body: Any, error: type[Exception]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise error("an order must be a JSON object")
    unknown = sorted(set(body) - {"userId", "items"})
    if unknown:
        raise error(f"unknown field(s): {', '.join(unknown)}")
    user = body.get("userId")
    if not isinstance(user, str) or not user.strip() or len(user) > 128:
        raise error("`userId` must be a non-empty string of at most 128 characters")
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise error(f"`items` must be a list of 1 to {MAX_ITEMS} items")
    clean = []
    total = Decimal(0)
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) - {"sku", "quantity", "price"}:
            raise error(f"item {n} must be an object with `sku`, `quantity` and `price`")
        sku, qty, price = item.get("sku"), item.get("quantity"), item.get("price")
        if not isinstance(sku, str) or not sku.strip():
            raise error(f"item {n}: `sku` must be a non-empty string")
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QUANTITY:
            raise error(f"item {n}: `quantity` must be an integer from 1 to {MAX_QUANTITY}")
        if isinstance(price, bool) or not isinstance(price, int | float | str):
            raise error(f"item {n}: `price` must be a number")
        try:
            amount = Decimal(str(price))
        except InvalidOperation as e:
            raise error(f"item {n}: `price` must be a number") from e
        if not amount.is_finite() or amount < 0:
            raise error(f"item {n}: `price` must not be negative")
        amount = amount.quantize(Decimal("0.01"))
        clean.append({"sku": sku.strip(), "quantity": qty, "price": amount})
        total += amount * qty
    return {"userId": user.strip(), "items": clean, "total": total}


def create_order(body: Any, error: type[Exception] = ApiError, order_id: str | None = None) -> dict[str, Any]:
    fields = _validate_order(body, (lambda m: ApiError(400, m)) if error is ApiError else error)
    now = _now()
    item = {
        "id": order_id or str(uuid.uuid4()),
        **fields,
        "status": "pending",
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException" and order_id:
            # A redelivered event: the order exists already.
            return _public(table().get_item(Key={"id": order_id})["Item"])
        raise
    return _public(item)


def set_status(order_id: str, status: str) -> dict[str, Any]:
    """Moves an order to `status`; a cancelled order stays cancelled."""
    try:
        result = table().update_item(
            Key={"id": order_id},
            UpdateExpression="SET #s = :s, updatedAt = :now",
            ConditionExpression="attribute_exists(id) AND #s <> :cancelled",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": status, ":now": _now(), ":cancelled": "cancelled"},
            ReturnValues="ALL_NEW",
        )
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            existing = table().get_item(Key={"id": order_id}).get("Item")
            if existing is None:
                raise BadEvent(f"order {order_id} does not exist") from e
            return _public(existing)
        raise
    return _public(result["Attributes"])


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 500: "Internal Server Error"}


def _response(event: Mapping[str, Any], status: int, body: Any = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": "" if body is None else json.dumps(body, separators=(",", ":")),
    }
    if "elb" in (event.get("requestContext") or {}):
        response["statusDescription"] = f"{status} {_REASONS.get(status, '')}".strip()
        response["isBase64Encoded"] = False
    return response


def _relative_path(event: Mapping[str, Any]) -> str:
    path = event.get("path") or "/"
    base = os.environ.get("BASE_PATH", "/orders").rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    return "/" + path.strip("/")


def _json_body(event: Mapping[str, Any]) -> Any:
    raw = event.get("body")
    if raw in (None, ""):
        raise ApiError(400, "a JSON object body is required")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise ApiError(400, "the body is not valid base64 UTF-8") from e
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise ApiError(400, "the body is not valid JSON") from e


def list_orders(query: Mapping[str, str]) -> dict[str, Any]:
    raw = query.get("limit")
    if raw is not None and (not raw.isdigit() or not 1 <= int(raw) <= LIMIT_MAX):
        raise ApiError(400, f"`limit` must be an integer from 1 to {LIMIT_MAX}")
    limit = int(raw) if raw else DEFAULT_LIMIT
    args: dict[str, Any] = {}
    if query.get("userId"):
        args["FilterExpression"] = "userId = :u"
        args["ExpressionAttributeValues"] = {":u": query["userId"]}
    items: list[dict[str, Any]] = []
    while True:
        page = table().scan(**args)
        items.extend(_public(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    items.sort(key=lambda i: (i["createdAt"], i["id"]))
    return {"items": items[:limit]}


def http(event: Mapping[str, Any]) -> dict[str, Any]:
    try:
        method = (event.get("httpMethod") or "").upper()
        path = _relative_path(event)
        segments = [s for s in path.split("/") if s]
        if not segments:
            if method == "GET":
                return _response(event, 200, list_orders(event.get("queryStringParameters") or {}))
            if method == "POST":
                return _response(event, 201, create_order(_json_body(event)))
            raise ApiError(405, f"{method} is not allowed on {path}")
        if len(segments) == 1:
            order_id = (event.get("pathParameters") or {}).get("orderId") or segments[0]
            if method == "GET":
                item = table().get_item(Key={"id": order_id}).get("Item")
                if not item:
                    raise ApiError(404, f"order {order_id} not found")
                return _response(event, 200, _public(item))
            if method == "DELETE":
                try:
                    table().delete_item(Key={"id": order_id}, ConditionExpression="attribute_exists(id)")
                except ClientError as e:
                    if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                        raise ApiError(404, f"order {order_id} not found") from e
                    raise
                return _response(event, 204)
            raise ApiError(405, f"{method} is not allowed on {path}")
        raise ApiError(404, f"no route for {method} {path}")
    except ApiError as e:
        return _response(event, e.status, {"error": e.message})
    except Exception:
        logger.exception("unhandled error")
        return _response(event, 500, {"error": "internal error"})


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def apply_event(message: Any) -> dict[str, Any]:
    """Applies one order event; raises BadEvent for one that cannot apply."""
    if not isinstance(message, dict):
        raise BadEvent("an event must be a JSON object")
    kind = message.get("type")
    if kind == "order.create":
        order_id = message.get("orderId")
        if order_id is not None and (not isinstance(order_id, str) or not order_id):
            raise BadEvent("`orderId` must be a non-empty string")
        return create_order(message.get("order"), BadEvent, order_id)
    if kind in ("payment.received", "order.cancelled"):
        order_id = message.get("orderId")
        if not isinstance(order_id, str) or not order_id:
            raise BadEvent("`orderId` must be a non-empty string")
        return set_status(order_id, "paid" if kind == "payment.received" else "cancelled")
    raise BadEvent(f"unknown event type {kind!r}")


def _decode(text: str) -> Any:
    try:
        message = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadEvent("the message is not valid JSON") from e
    # Without raw delivery, SNS wraps the message in its envelope.
    if isinstance(message, dict) and message.get("Type") == "Notification" and "Message" in message:
        return _decode(message["Message"])
    return message


def _batch(records: list[Mapping[str, Any]], body: Any, ident: Any) -> dict[str, Any]:
    failures = []
    for record in records:
        try:
            apply_event(_decode(body(record)))
        except (BadEvent, ClientError, ValueError) as e:
            logger.warning("event %s failed: %s", ident(record), e)
            failures.append({"itemIdentifier": ident(record)})
    return {"batchItemFailures": failures}


def _kinesis_data(record: Mapping[str, Any]) -> str:
    try:
        return base64.b64decode(record["kinesis"]["data"]).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise BadEvent("the record is not base64 UTF-8") from e


def import_objects(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Imports the orders of each uploaded object (one JSON order per line)."""
    imported = 0
    for record in records:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        if not record.get("eventName", "").startswith("ObjectCreated"):
            continue
        obj = s3().get_object(Bucket=bucket, Key=key)
        if obj["ContentLength"] > MAX_IMPORT_BYTES:
            raise BadEvent(f"s3://{bucket}/{key} is over {MAX_IMPORT_BYTES} bytes")
        text = obj["Body"].read().decode("utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                order = json.loads(line)
            except json.JSONDecodeError as e:
                raise BadEvent(f"s3://{bucket}/{key} line {n} is not JSON") from e
            # The object and line make the ID, so a retried event imports nothing twice.
            order_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/{key}#{obj.get('ETag', '')}#{n}"))
            create_order(order, BadEvent, order_id)
            imported += 1
    return {"imported": imported}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: HTTP requests, SQS and Kinesis batches, S3 events."""
    if "httpMethod" in event:
        return http(event)
    records = event.get("Records") or []
    source = records[0].get("eventSource") if records else None
    if source == "aws:sqs":
        return _batch(records, lambda r: r["body"], lambda r: r["messageId"])
    if source == "aws:kinesis":
        return _batch(records, _kinesis_data, lambda r: r["kinesis"]["sequenceNumber"])
    if source == "aws:s3":
        return import_objects(records)
    if event.get("Event") == "s3:TestEvent":
        return {"imported": 0}
    raise BadEvent(f"unsupported event: {sorted(event)}")
