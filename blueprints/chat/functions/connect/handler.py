"""`$connect` of the chat WebSocket API: records the new connection.

The connection's item carries ``expiresAt`` (epoch seconds), the connections
table's TTL attribute, so a connection whose ``$disconnect`` never arrived is
forgotten anyway (CHAT-2).

Only an authorized connect reaches this function: with the default Cognito
authorization the `$connect` authorizer has checked the user's token and
passes ``userId`` (their ``sub``) and ``userName``, which the item records so
``sendmessage`` can name the sender; with IAM authorization the caller's ARN
is recorded instead.

Environment: ``TABLE_NAME``, ``CONNECTION_TTL_SECONDS`` (default 7200),
optional ``LOG_LEVEL``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import boto3

logger = logging.getLogger("chat-connect")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

DEFAULT_TTL_SECONDS = 7200

_table = None


def reset_clients() -> None:
    global _table
    _table = None


def table() -> Any:
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def ttl_seconds() -> int:
    raw = os.environ.get("CONNECTION_TTL_SECONDS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_TTL_SECONDS


def handler(event: Mapping[str, Any], context: Any, now: float | None = None) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    connection_id = ctx.get("connectionId")
    if not isinstance(connection_id, str) or not connection_id:
        logger.warning("connect without a connection id")
        return {"statusCode": 400, "body": "no connection id"}
    now = time.time() if now is None else now
    item = {
        "connectionId": connection_id,
        "connectedAt": int(now),
        "expiresAt": int(now) + ttl_seconds(),
    }
    authorizer = ctx.get("authorizer") or {}
    user_id = authorizer.get("userId") or authorizer.get("principalId")
    user_name = authorizer.get("userName")
    caller = (ctx.get("identity") or {}).get("userArn")
    if isinstance(user_id, str) and user_id:
        item["userId"] = user_id
    elif isinstance(caller, str) and caller:
        item["userId"] = caller
    if isinstance(user_name, str) and user_name:
        item["userName"] = user_name[:128]
    source_ip = (ctx.get("identity") or {}).get("sourceIp")
    if isinstance(source_ip, str) and source_ip:
        item["sourceIp"] = source_ip
    table().put_item(Item=item)
    logger.info("connected %s", connection_id)
    return {"statusCode": 200, "body": "connected"}
