"""`$disconnect` of the chat WebSocket API: forgets the connection (CHAT-2).

API Gateway sends ``$disconnect`` on a best-effort basis; the connections
table's TTL forgets connections whose disconnect never arrived.

Environment: ``TABLE_NAME``, optional ``LOG_LEVEL``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3

logger = logging.getLogger("chat-disconnect")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_table = None


def reset_clients() -> None:
    global _table
    _table = None


def table() -> Any:
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    connection_id = (event.get("requestContext") or {}).get("connectionId")
    if not isinstance(connection_id, str) or not connection_id:
        return {"statusCode": 400, "body": "no connection id"}
    # Deleting a missing item is not an error: a retry after a timeout is fine.
    table().delete_item(Key={"connectionId": connection_id})
    logger.info("disconnected %s", connection_id)
    return {"statusCode": 200, "body": "disconnected"}
