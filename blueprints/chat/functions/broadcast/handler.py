"""`sendmessage` of the chat WebSocket API: broadcasts a message (CHAT-3).

A client sends ``{"action": "sendmessage", "message": "hello"}``; every open
connection (the sender included) receives
``{"from": <sender's connection id>, "user": <sender's user name>, "message":
"hello", "sentAt": <epoch ms>}`` (``user`` when the connection was made by a
signed-in user).

WebSocket routes are reached only over an open connection, and connections
open only through ``$connect`` and its authorizer; as a second check, a
sender whose connection is not recorded (or has expired) is refused (403).
through the API's management endpoint (``@connections``). Connections that are
gone (HTTP 410) are removed from the table. Connections whose items expired
(TTL) are skipped even before DynamoDB deletes them.

Environment: ``TABLE_NAME``, ``CONNECTIONS_ENDPOINT`` (``https://<api>.execute-
api.<region>.amazonaws.com/<stage>``), ``MAX_MESSAGE_BYTES`` (default 4096),
optional ``LOG_LEVEL``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("chat-broadcast")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

DEFAULT_MAX_MESSAGE_BYTES = 4096

_table = None
_management = None


def reset_clients() -> None:
    global _table, _management
    _table = None
    _management = None


def table() -> Any:
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def management() -> Any:
    """The API Gateway management API client for this API's stage."""
    global _management
    if _management is None:
        _management = boto3.client(
            "apigatewaymanagementapi", endpoint_url=os.environ["CONNECTIONS_ENDPOINT"]
        )
    return _management


def max_message_bytes() -> int:
    raw = os.environ.get("MAX_MESSAGE_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_MESSAGE_BYTES


class BadMessage(ValueError):
    """A message the sender must fix."""


def parse(event: Mapping[str, Any]) -> str:
    body = event.get("body")
    if not isinstance(body, str) or not body:
        raise BadMessage("send a JSON object with `message`")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise BadMessage("the frame is not valid base64 UTF-8") from e
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise BadMessage("the frame is not valid JSON") from e
    if not isinstance(data, dict):
        raise BadMessage("send a JSON object with `message`")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise BadMessage("`message` must be a non-empty string")
    if len(message.encode("utf-8")) > max_message_bytes():
        raise BadMessage(f"`message` is longer than {max_message_bytes()} bytes")
    return message


def connections(now: float) -> Iterator[str]:
    """Every open connection's ID (expired ones skipped)."""
    args: dict[str, Any] = {"ProjectionExpression": "connectionId, expiresAt"}
    while True:
        page = table().scan(**args)
        for item in page.get("Items", []):
            expires = item.get("expiresAt")
            if expires is not None and int(expires) < now:
                continue
            yield item["connectionId"]
        if "LastEvaluatedKey" not in page:
            return
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sender_item(connection_id: str, now: float) -> dict[str, Any] | None:
    """The sender's recorded connection, or None if unknown or expired."""
    if not connection_id:
        return None
    item = table().get_item(Key={"connectionId": connection_id}, ConsistentRead=True).get("Item")
    if not item:
        return None
    expires = item.get("expiresAt")
    if expires is not None and int(expires) < now:
        return None
    return item


def broadcast(sender: str, message: str, now: float, user: str | None = None) -> dict[str, int]:
    data: dict[str, Any] = {"from": sender, "message": message, "sentAt": int(now * 1000)}
    if user:
        data["user"] = user
    payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
    sent = gone = 0
    for connection_id in connections(now):
        try:
            management().post_to_connection(ConnectionId=connection_id, Data=payload)
            sent += 1
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "GoneException" or status == 410:
                table().delete_item(Key={"connectionId": connection_id})
                gone += 1
            else:
                raise
    return {"sent": sent, "gone": gone}


def handler(event: Mapping[str, Any], context: Any, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    sender = (event.get("requestContext") or {}).get("connectionId") or ""
    item = sender_item(sender, now)
    if item is None:
        logger.warning("sendmessage from an unknown connection refused")
        return {"statusCode": 403, "body": json.dumps({"error": "not an open connection of this chat"})}
    try:
        message = parse(event)
    except BadMessage as e:
        return {"statusCode": 400, "body": json.dumps({"error": str(e)})}
    user = item.get("userName") or item.get("userId")
    result = broadcast(sender, message, now, str(user) if user else None)
    logger.info("broadcast from %s: %s", sender, result)
    return {"statusCode": 200, "body": json.dumps(result)}
